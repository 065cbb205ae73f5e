package io.nsps.connector.handlers.log;

import io.nsps.connector.model.AccountInfo;
import io.nsps.connector.model.CardInfo;
import io.nsps.connector.model.Event;
import io.nsps.connector.model.PBData;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

final class LogHandler implements EventHandler {

    private final Set<String> eventTypes;
    private final System.Logger logger;

    LogHandler(Set<String> eventTypes, System.Logger logger) {
        this.eventTypes = Collections.unmodifiableSet(eventTypes);
        this.logger = logger;
    }

    @Override
    public Set<String> eventTypes() {
        return eventTypes;
    }

    @Override
    public HandlerResult handle(Event event) {
        logger.log(System.Logger.Level.INFO, summary(event));
        return HandlerResult.processed("Event " + bounded(event.getData().getEventType()) + " logged");
    }

    /** The longest value quoted: every one comes from the sender, at any length. */
    static final int MAX_VALUE_CHARS = 200;

    /** One line with the fields operators look for; no personal data beyond the identifiers, each cut to {@value #MAX_VALUE_CHARS}. */
    static String summary(Event event) {
        StringJoiner line = new StringJoiner(" ");
        line.add("event " + bounded(event.getEventId()));
        line.add("type=" + bounded(event.getData().getEventType()));
        if (event.getData().getVariables() instanceof Map<?, ?> variables && variables.get("i_event") != null) {
            line.add("i_event=" + bounded(String.valueOf(variables.get("i_event"))));
        }
        PBData pb = event.getPbData();
        AccountInfo account = pb == null ? null : pb.getAccountInfo();
        if (account != null) {
            addIfPresent(line, "account", account.getId());
            addIfPresent(line, "i_account", account.getiAccount());
            addIfPresent(line, "account_status", account.getStatus());
            addIfPresent(line, "blocked", account.getBlocked());
        }
        CardInfo sim = pb == null ? null : pb.getSimInfo();
        if (sim != null) {
            addIfPresent(line, "imsi", sim.getImsi());
            addIfPresent(line, "sim_status", sim.getStatus());
        }
        return line.toString();
    }

    private static void addIfPresent(StringJoiner line, String name, Object value) {
        if (value != null) {
            line.add(name + "=" + bounded(String.valueOf(value)));
        }
    }

    private static String bounded(String value) {
        return value.length() <= MAX_VALUE_CHARS ? value : value.substring(0, MAX_VALUE_CHARS) + "...";
    }
}

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
        return HandlerResult.processed("Event " + event.getData().getEventType() + " logged");
    }

    /** One line with the fields operators look for; no personal data beyond the identifiers. */
    static String summary(Event event) {
        StringJoiner line = new StringJoiner(" ");
        line.add("event " + event.getEventId());
        line.add("type=" + event.getData().getEventType());
        if (event.getData().getVariables() instanceof Map<?, ?> variables && variables.get("i_event") != null) {
            line.add("i_event=" + variables.get("i_event"));
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
            line.add(name + "=" + value);
        }
    }
}

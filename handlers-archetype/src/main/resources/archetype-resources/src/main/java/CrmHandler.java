package ${package};

import ${package}.client.api.LinesApi;
import ${package}.client.model.Line;
import io.nsps.connector.feign.UpstreamClient;
import io.nsps.connector.feign.UpstreamStatusException;
import io.nsps.connector.model.AccountInfo;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamErrorException;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What each event becomes in the CRM:
 *
 * <ul>
 *   <li>{@code SIM/Updated}: {@code PUT /lines/{imsi}} with the account, the phone number and the
 *       status ({@code blocked} when the account is blocked, else {@code active});</li>
 *   <li>{@code SIM/Deleted}: {@code DELETE /lines/{imsi}}; a 404 means it is already deleted.</li>
 * </ul>
 *
 * <p>Both calls carry the whole state, so repeating one is harmless: NSPS re-sends an event until
 * it sees a 2xx. Failures are the SPI's, decided by handlers-feign's UpstreamClient (the CRM down:
 * 503, retried; the CRM refusing the line: 422, dropped), and an event without an IMSI is a 422.
 */
final class CrmHandler implements EventHandler {

    static final String SIM_UPDATED = "SIM/Updated";
    static final String SIM_DELETED = "SIM/Deleted";

    private final UpstreamClient<LinesApi> crm;
    private final String url;
    private final List<String> eventTypes;

    CrmHandler(UpstreamClient<LinesApi> crm, String url, List<String> eventTypes) {
        this.crm = crm;
        this.url = url;
        this.eventTypes = eventTypes;
    }

    @Override
    public Set<String> eventTypes() {
        return new LinkedHashSet<>(eventTypes);
    }

    @Override
    public HandlerResult handle(Event event) throws HandlerException {
        String imsi = event.getPbData() == null || event.getPbData().getSimInfo() == null ? null : event.getPbData().getSimInfo().getImsi();
        if (imsi == null || imsi.isBlank()) {
            throw new InvalidEventException("pb_data.sim_info.imsi", "is required");
        }
        Instant deadline = crm.deadline();
        boolean delete = SIM_DELETED.equals(event.getData().getEventType());
        try {
            if (delete) {
                crm.call("delete line " + imsi, deadline, api -> {
                    api.deleteLine(imsi);
                    return null;
                });
                return HandlerResult.processed("CRM line " + imsi + " deleted");
            }
            Line line = line(event.getPbData().getAccountInfo());
            crm.call("put line " + imsi, deadline, api -> api.putLine(imsi, line));
            return HandlerResult.processed("CRM line " + imsi + " is " + line.getStatus().getValue());
        } catch (UpstreamStatusException e) {
            if (delete && e.status() == 404) {
                return HandlerResult.processed("CRM line " + imsi + " already deleted");
            }
            // A 404 to a PUT is no answer the API documents (a wrong URL, a proxy): retried, never dropped.
            throw new UpstreamErrorException("The CRM answered HTTP " + e.status() + e.detail(), null);
        }
    }

    /** The CRM's address, which nsps-connector check-config probes (DNS, TCP, TLS). */
    @Override
    public List<URI> endpoints() {
        return List.of(URI.create(url));
    }

    @Override
    public void close() {
        crm.close();
    }

    private static Line line(AccountInfo account) {
        // Typed (not Boolean.TRUE.equals): if NSPS turned the flag into another type, this stops compiling.
        Boolean blocked = account == null ? null : account.getBlocked();
        Line line = new Line().status(blocked != null && blocked ? Line.StatusEnum.BLOCKED : Line.StatusEnum.ACTIVE);
        if (account != null && account.getId() != null) {
            line.account(account.getId());
            if (account.getId().endsWith("@msisdn")) {
                line.msisdn(account.getId().substring(0, account.getId().length() - "@msisdn".length()));
            }
        }
        return line;
    }
}

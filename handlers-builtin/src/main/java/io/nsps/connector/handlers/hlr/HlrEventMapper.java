package io.nsps.connector.handlers.hlr;

import io.nsps.connector.handlers.hlr.client.model.Action;
import io.nsps.connector.handlers.hlr.client.model.ProvisioningRequest;
import io.nsps.connector.handlers.hlr.client.model.SubscriberStatus;
import io.nsps.connector.model.AccessPolicyAttribute;
import io.nsps.connector.model.AccountInfo;
import io.nsps.connector.model.CardInfo;
import io.nsps.connector.model.Event;
import io.nsps.connector.model.PBData;
import io.nsps.connector.spi.InvalidEventException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns an NSPS event into the HLR/HSS calls that bring the HLR to the event's state. Pure: no I/O,
 * so every mapping is checked without a network. docs/handlers.md's table documents the same rules.
 *
 * <ul>
 *   <li>{@code SIM/Updated} and any other configured type with {@code pb_data.sim_info}: one
 *       {@code update} carrying the full state (msisdn, status, profiles).</li>
 *   <li>{@code SIM/Created}: {@code insert} of the new SIM, barred and without a number until it is
 *       assigned (an {@code insert} answered 409 is retried as {@code update}: see the handler).</li>
 *   <li>{@code SIM/Deleted}: {@code delete} (404 means already deleted).</li>
 *   <li>{@code SIM/Replaced}: {@code update} of the previous SIM ({@code pb_data.prev_sim_info})
 *       detaching its number and barring it, then the full-state {@code update} of the new SIM.
 *       Both are full-state updates, so a retry after a partial failure repeats the first harmlessly.</li>
 * </ul>
 */
final class HlrEventMapper {

    private static final Pattern IMSI = Pattern.compile("[0-9]{15}");
    private static final Pattern MSISDN = Pattern.compile("[0-9]{1,15}");
    private static final String MSISDN_SUFFIX = "@msisdn";

    private final HlrSettings settings;

    HlrEventMapper(HlrSettings settings) {
        this.settings = settings;
    }

    /** What to do with an event: calls to make, or why nothing is made. */
    record Plan(List<ProvisioningStep> steps, String ignoredBecause) {
        static Plan ignore(String reason) {
            return new Plan(List.of(), reason);
        }
    }

    Plan plan(Event event) throws InvalidEventException {
        String type = event.getData().getEventType();
        PBData pb = event.getPbData();
        CardInfo sim = pb == null ? null : pb.getSimInfo();
        return switch (type) {
            case "SIM/Created" -> created(sim);
            case "SIM/Deleted" -> deleted(sim);
            case "SIM/Replaced" -> replaced(pb);
            case "SIM/Updated" -> fullState(pb, required(sim, "pb_data.sim_info.imsi"));
            default -> sim == null || sim.getImsi() == null
                    ? Plan.ignore("Event " + type + " carries no SIM (pb_data.sim_info); nothing to provision in the HLR")
                    : fullState(pb, sim);
        };
    }

    private Plan created(CardInfo sim) throws InvalidEventException {
        String imsi = imsi(required(sim, "pb_data.sim_info.imsi"), "pb_data.sim_info.imsi");
        if (outsidePattern(imsi)) {
            return ignoredImsi(imsi);
        }
        ProvisioningRequest request = new ProvisioningRequest()
                .action(Action.INSERT)
                .imsi(imsi)
                .msisdn(new ArrayList<>())
                .subscriberStatus(SubscriberStatus.OPERATOR_DETERMINED_BARRING)
                .csProfile(settings.defaultCsProfile().orElse(null))
                .epsProfile(settings.defaultEpsProfile().orElse(null));
        return new Plan(List.of(new ProvisioningStep(request, "insert SIM " + imsi)), null);
    }

    private Plan deleted(CardInfo sim) throws InvalidEventException {
        String imsi = imsi(required(sim, "pb_data.sim_info.imsi"), "pb_data.sim_info.imsi");
        if (outsidePattern(imsi)) {
            return ignoredImsi(imsi);
        }
        ProvisioningRequest request = new ProvisioningRequest().action(Action.DELETE).imsi(imsi).msisdn(null);
        return new Plan(List.of(new ProvisioningStep(request, "delete SIM " + imsi)), null);
    }

    private Plan replaced(PBData pb) throws InvalidEventException {
        CardInfo previous = pb == null ? null : pb.getPrevSimInfo();
        CardInfo current = pb == null ? null : pb.getSimInfo();
        if ((previous == null || previous.getImsi() == null) && (current == null || current.getImsi() == null)) {
            throw new InvalidEventException("pb_data.sim_info.imsi", "is required (neither sim_info nor prev_sim_info carries an IMSI)");
        }
        List<ProvisioningStep> steps = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        if (previous != null && previous.getImsi() != null) {
            String imsi = imsi(previous, "pb_data.prev_sim_info.imsi");
            if (outsidePattern(imsi)) {
                skipped.add(imsi);
            } else {
                ProvisioningRequest detach = new ProvisioningRequest()
                        .action(Action.UPDATE)
                        .imsi(imsi)
                        .msisdn(new ArrayList<>())
                        .subscriberStatus(SubscriberStatus.OPERATOR_DETERMINED_BARRING);
                steps.add(new ProvisioningStep(detach, "detach and bar previous SIM " + imsi));
            }
        }
        if (current != null && current.getImsi() != null) {
            Plan full = fullState(pb, current);
            steps.addAll(full.steps());
            if (full.ignoredBecause() != null) {
                skipped.add(current.getImsi());
            }
        }
        if (steps.isEmpty()) {
            return Plan.ignore("IMSIs " + String.join(", ", skipped) + " are outside HLR_IMSI_PATTERN; not provisioned");
        }
        return new Plan(steps, null);
    }

    /** The whole subscriber state, as {@code update} (api-spec's openapi/hlr-hss.json, and docs/handlers.md's table). */
    private Plan fullState(PBData pb, CardInfo sim) throws InvalidEventException {
        String imsi = imsi(sim, "pb_data.sim_info.imsi");
        if (outsidePattern(imsi)) {
            return ignoredImsi(imsi);
        }
        AccountInfo account = pb.getAccountInfo();
        boolean open = account != null && isOpen(account.getBillStatus());
        boolean blocked = account == null || isTrue(account.getBlocked());
        List<String> msisdn = new ArrayList<>();
        if (open && account.getId() != null && account.getId().endsWith(MSISDN_SUFFIX)) {
            String number = account.getId().substring(0, account.getId().length() - MSISDN_SUFFIX.length());
            if (!MSISDN.matcher(number).matches()) {
                throw new InvalidEventException("pb_data.account_info.id", "must be digits followed by @msisdn");
            }
            msisdn.add(number);
        }
        ProvisioningRequest request = new ProvisioningRequest()
                .action(Action.UPDATE)
                .imsi(imsi)
                .msisdn(msisdn)
                .subscriberStatus(open && !blocked ? SubscriberStatus.SERVICE_GRANTED : SubscriberStatus.OPERATOR_DETERMINED_BARRING)
                .csProfile(profile(pb, "cs_profile").or(settings::defaultCsProfile).orElse(null))
                .epsProfile(profile(pb, "eps_profile").or(settings::defaultEpsProfile).orElse(null));
        if (account != null && account.getBillStatus() == null) {
            // PortaOne's WTL connector reads an absent bill_status as not open, and so does this one;
            // but an account sent without one is unusual (NSPS renaming the field would bar everyone).
            return new Plan(List.of(new ProvisioningStep(request, "update SIM " + imsi + " (barred: its account_info has no bill_status)",
                    "SIM " + imsi + " barred: pb_data.account_info has no bill_status, which is read as not open")), null);
        }
        return new Plan(List.of(new ProvisioningStep(request, "update SIM " + imsi)), null);
    }

    /**
     * A nullable flag of the models, true only when sent as true. Typed, unlike
     * {@code Boolean.TRUE.equals(x)}: if NSPS's document turned the flag into another type (a "Y"/"N"
     * string), this stops compiling instead of reading every value as false.
     */
    private static boolean isTrue(Boolean flag) {
        return flag != null && flag;
    }

    /** Billing statuses that mean the account is open: PortaBilling's, and the guide's name for its O. */
    private static final Set<String> OPEN = Set.of("open", "active");
    /** The documented others: service is barred. */
    private static final Set<String> NOT_OPEN = Set.of("suspended", "inactive", "terminated", "closed");

    /**
     * Whether {@code bill_status} says the account is open. Every documented value is mapped
     * explicitly; an absent one is not open; any other value is refused rather than guessed, since
     * the answer grants or bars service.
     */
    static boolean isOpen(String billStatus) throws InvalidEventException {
        if (billStatus == null) {
            return false;
        }
        String status = billStatus.trim().toLowerCase(Locale.ROOT);
        if (OPEN.contains(status)) {
            return true;
        }
        if (NOT_OPEN.contains(status)) {
            return false;
        }
        throw new InvalidEventException("pb_data.account_info.bill_status", "has the unknown value '" + cut(billStatus)
                + "' (known: open, active, suspended, inactive, terminated, closed)");
    }

    private static String cut(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }

    private static Optional<String> profile(PBData pb, String name) throws InvalidEventException {
        if (pb.getAccessPolicyInfo() == null || pb.getAccessPolicyInfo().getAttributes() == null) {
            return Optional.empty();
        }
        for (AccessPolicyAttribute attribute : pb.getAccessPolicyInfo().getAttributes()) {
            if (attribute != null && name.equals(attribute.getName()) && attribute.getValue() != null && !attribute.getValue().isBlank()) {
                // Comma-separated when the attribute has several values (values[0] in the guide's words): the first one.
                String profile = attribute.getValue().split(",", 2)[0].trim();
                if (!HlrSettings.PROFILE.matcher(profile).matches()) {
                    throw new InvalidEventException("pb_data.access_policy_info.attributes[" + name + "]", "is not a profile name");
                }
                return Optional.of(profile);
            }
        }
        return Optional.empty();
    }

    private static CardInfo required(CardInfo sim, String field) throws InvalidEventException {
        if (sim == null || sim.getImsi() == null || sim.getImsi().isEmpty()) {
            throw new InvalidEventException(field, "is required");
        }
        return sim;
    }

    private static String imsi(CardInfo sim, String field) throws InvalidEventException {
        String imsi = sim.getImsi();
        if (imsi == null || imsi.isEmpty()) {
            throw new InvalidEventException(field, "is required");
        }
        if (!IMSI.matcher(imsi).matches()) {
            throw new InvalidEventException(field, "must be 15 digits");
        }
        return imsi;
    }

    private boolean outsidePattern(String imsi) {
        // Searched, as PortaOne's WTL connector does (re.search): ^25501 means "starts with 25501".
        return settings.imsiPattern().map(p -> !p.matcher(imsi).find()).orElse(false);
    }

    private static Plan ignoredImsi(String imsi) {
        return Plan.ignore("IMSI " + imsi + " is outside HLR_IMSI_PATTERN; not provisioned");
    }
}

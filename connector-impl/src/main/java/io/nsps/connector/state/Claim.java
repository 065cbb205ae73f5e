package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;

/** The result of trying to take an event for processing. */
public sealed interface Claim {

    /** This instance owns the event until it finishes it (or its lease runs out). */
    record Claimed() implements Claim {
    }

    /** Another delivery is processing it now. */
    record InFlight() implements Claim {
    }

    /**
     * It was processed successfully before: answer as then, provision nothing.
     *
     * @param fingerprint the first delivery's, or null where the store kept none
     */
    record AlreadyDone(Outcome.Done outcome, EventFingerprint fingerprint) implements Claim {
    }
}

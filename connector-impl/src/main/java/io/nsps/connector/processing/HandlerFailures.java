package io.nsps.connector.processing;

import io.nsps.connector.dispatch.HandlerFailure;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.outcome.FieldProblem;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.outcome.Outcome.Failed.Failure;
import io.nsps.connector.spi.EntityNotFoundException;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.util.List;

/**
 * The one mapping from a handler's failure (the SPI's sealed {@link HandlerException}) to the
 * outcome kept for its event; how that is answered is the web layer's ({@code web.Answers}). The
 * failure's texts (which may quote the external system, and it may quote our credentials) are
 * masked here, before the outcome is stored, journaled or answered.
 */
final class HandlerFailures {

    private HandlerFailures() {
    }

    static Outcome.Failed outcome(HandlerFailure failure) {
        HandlerException cause = failure.getCause();
        String handler = failure.handlerName();
        String detail = cause.getMessage() == null ? "no detail" : SecretMasker.mask(cause.getMessage());
        // The permitted subclasses are final and listed here one by one: a new one fails review, not production.
        if (cause instanceof InvalidEventException invalid) {
            List<FieldProblem> details = invalid.field().isPresent() && invalid.problem().isPresent()
                    ? List.of(new FieldProblem(SecretMasker.mask(invalid.field().get()), SecretMasker.mask(invalid.problem().get())))
                    : List.of();
            return new Outcome.Failed(Failure.INVALID_EVENT, "Event cannot be provisioned by handler " + handler, detail, null, details);
        }
        if (cause instanceof EntityNotFoundException) {
            return new Outcome.Failed(Failure.ENTITY_NOT_FOUND, "Entity not found by handler " + handler, detail);
        }
        if (cause instanceof UpstreamAuthenticationException) {
            return new Outcome.Failed(Failure.CREDENTIALS_REFUSED, "The external system refused the credentials of handler " + handler,
                    detail);
        }
        if (cause instanceof UpstreamRateLimitedException) {
            return new Outcome.Failed(Failure.RATE_LIMITED, "Rate limit of the external system reached (handler " + handler + ")", detail,
                    cause.retryAfter().orElse(null), List.of());
        }
        if (cause instanceof UpstreamErrorException) {
            return new Outcome.Failed(Failure.UPSTREAM_FAILED, "The external system failed (handler " + handler + ")", detail);
        }
        if (cause instanceof UpstreamUnavailableException) {
            return new Outcome.Failed(Failure.UPSTREAM_UNAVAILABLE, "The external system is unavailable (handler " + handler + ")", detail,
                    cause.retryAfter().orElse(null), List.of());
        }
        throw new IllegalStateException("unmapped handler failure " + cause.getClass().getName());
    }
}

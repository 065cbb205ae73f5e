package io.nsps.connector.web;

import java.util.concurrent.atomic.AtomicBoolean;

/** Whether the connector takes events, or is draining for shutdown (health answers 503 then). */
public final class ConnectorLifecycle {

    private final AtomicBoolean draining = new AtomicBoolean();

    public boolean isDraining() {
        return draining.get();
    }

    /** @return true for the call that started draining */
    public boolean startDraining() {
        return draining.compareAndSet(false, true);
    }
}

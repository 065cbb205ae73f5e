package io.nsps.connector.handlers.hlr;

import io.nsps.connector.handlers.hlr.client.model.Action;
import io.nsps.connector.handlers.hlr.client.model.ProvisioningRequest;

/**
 * One call to {@code POST /prov}, and what it is for (used in messages).
 *
 * @param purpose e.g. "provision SIM 255010000020349"
 * @param warning what an operator should know about how the call was derived (logged at WARN), or null
 */
record ProvisioningStep(ProvisioningRequest request, String purpose, String warning) {

    ProvisioningStep(ProvisioningRequest request, String purpose) {
        this(request, purpose, null);
    }

    Action action() {
        return request.getAction();
    }
}

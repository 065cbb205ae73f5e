package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.model.Event;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which subscriber an event orders under ({@link EventIdentity#subscriber}). */
final class EventSubscriberTest {

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1000889", "\"1000889\"", "\"01000889\"", "\"+1000889\"", "1000889.0", "\" 1000889 \""})
    void anAccountIdInVariablesIsOneSubscriberWhateverFormItsNumberCameIn(String account) throws Exception {
        Event event = JSON.readValue("{\"event_id\":\"e\",\"data\":{\"event_type\":\"Account/Blocked\",\"variables\":{\"i_account\":"
                + account + "}}}", Event.class);

        assertThat(EventIdentity.subscriber(event)).contains("account:1000889");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"acc-1000889", "-5", "10.5"})
    void anAccountIdOfAnotherFormIsKeptAsSent(String account) throws Exception {
        Event event = JSON.readValue("{\"event_id\":\"e\",\"data\":{\"event_type\":\"Account/Blocked\",\"variables\":{\"i_account\":\""
                + account + "\"}}}", Event.class);

        assertThat(EventIdentity.subscriber(event)).contains("account:" + account);
    }
}

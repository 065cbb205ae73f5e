package io.nsps.connector.http;

import io.nsps.connector.events.EventParser;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.model.Event;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyReader;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;

/**
 * Reads the event body: at most {@code MAX_BODY_BYTES} (a chunked body is cut off one byte past the
 * limit with a 413), then {@link EventParser}. Replaces Jackson's generic reader for {@link Event},
 * whose errors would leak parser messages and class names.
 */
@Consumes(MediaType.APPLICATION_JSON)
public final class EventBodyReader implements MessageBodyReader<Event> {

    private final EventParser parser;
    private final long maxBodyBytes;

    public EventBodyReader(EventParser parser, long maxBodyBytes) {
        this.parser = parser;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public boolean isReadable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return type == Event.class;
    }

    @Override
    public Event readFrom(Class<Event> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                          MultivaluedMap<String, String> httpHeaders, InputStream entityStream) throws IOException {
        byte[] body;
        try {
            body = entityStream.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        } catch (IOException e) {
            // The sender went away or broke the framing mid-body: its fault, not ours.
            throw new ApiException(400, ErrorType.VALIDATION_ERROR, "Malformed request body", "The request body could not be read completely");
        }
        if (body.length > maxBodyBytes) {
            throw RequestGuardFilter.tooLarge(maxBodyBytes);
        }
        return parser.parse(body);
    }
}

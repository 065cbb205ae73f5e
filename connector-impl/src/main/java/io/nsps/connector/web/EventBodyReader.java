package io.nsps.connector.web;

import io.nsps.connector.parsing.EventParser;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.model.Event;
import io.nsps.connector.processing.Waiting;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads the event body: at most {@code MAX_BODY_BYTES} (a chunked body is cut off one byte past the
 * limit with a 413), then {@link EventParser}. Replaces Jackson's generic reader for {@link Event},
 * whose errors would leak parser messages and class names.
 */
@Consumes(MediaType.APPLICATION_JSON)
public final class EventBodyReader implements MessageBodyReader<Event> {

    private static final int CHUNK_BYTES = 8192;

    private final Supplier<EventParser> parser;
    private final long maxBodyBytes;
    private final Duration bodyDeadline;
    private final Waiting waiting;

    /**
     * @param bodyDeadline the whole body must arrive within this (Grizzly bounds each read by the
     *     same duration, so a body dribbled a byte at a time holds a worker for at most about twice it)
     * @param parser gives the parser, once it is built (the server builds it while Jersey starts)
     * @param waiting told while the rest of a body not yet arrived is waited for
     */
    EventBodyReader(Supplier<EventParser> parser, long maxBodyBytes, Duration bodyDeadline, Waiting waiting) {
        this.parser = parser;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyDeadline = bodyDeadline;
        this.waiting = waiting;
    }

    @Override
    public boolean isReadable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return type == Event.class;
    }

    /** The body of the event just read on this thread, until the resource takes it ({@link #takeBody}). */
    private static final ThreadLocal<byte[]> RECEIVED_BODY = new ThreadLocal<>();

    /** The body of the event this thread's request carried, once; null when there is none. */
    static byte[] takeBody() {
        byte[] body = RECEIVED_BODY.get();
        RECEIVED_BODY.remove();
        return body;
    }

    @Override
    @SuppressWarnings("try") // the section marks the wait; nothing in it refers to it
    public Event readFrom(Class<Event> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                          MultivaluedMap<String, String> httpHeaders, InputStream entityStream) throws IOException {
        byte[] body;
        // The rest of a body not yet arrived is waited for here.
        try (Waiting.Section section = waiting.enter()) {
            body = readBounded(entityStream, httpHeaders.getFirst(HttpHeaders.CONTENT_LENGTH));
        }
        Event event = parser.get().parse(body);
        // For the journal (a replay): the resource, on this thread, takes it with the event.
        RECEIVED_BODY.set(body);
        return event;
    }

    private byte[] readBounded(InputStream in, String declaredLength) {
        long deadline = System.nanoTime() + bodyDeadline.toNanos();
        int declared = plausibleLength(declaredLength);
        try {
            return declared >= 0 ? readDeclared(in, declared, deadline) : readToEnd(in, deadline);
        } catch (IOException e) {
            // The sender went away, stalled past Grizzly's read timeout, or broke the framing mid-body.
            throw bodyNotReceived("The request body could not be read completely");
        }
    }

    /**
     * A body with a Content-Length goes straight into one array of that size (Grizzly ends the
     * stream there): no staging buffer and no final copy, a megabyte less garbage per 1 MB event.
     * A body that ends early is what arrived (the parser then says what is wrong with it).
     */
    private byte[] readDeclared(InputStream in, int length, long deadline) throws IOException {
        byte[] body = new byte[length];
        int read = 0;
        for (int n; read < length && (n = in.read(body, read, length - read)) >= 0; ) {
            read += n;
            checkDeadline(deadline);
        }
        return read == length ? body : Arrays.copyOf(body, read);
    }

    /** A chunked body, cut off one read past the limit with a 413. */
    private byte[] readToEnd(InputStream in, long deadline) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(CHUNK_BYTES);
        byte[] chunk = new byte[CHUNK_BYTES];
        for (int n; (n = in.read(chunk)) >= 0; ) {
            body.write(chunk, 0, n);
            if (body.size() > maxBodyBytes) {
                throw RequestGuardFilter.tooLarge(maxBodyBytes);
            }
            checkDeadline(deadline);
        }
        return body.toByteArray();
    }

    private void checkDeadline(long deadline) {
        if (System.nanoTime() > deadline) {
            throw bodyNotReceived("The request body arrived too slowly (more than " + bodyDeadline.toMillis() + " ms)");
        }
    }

    /**
     * A body that did not arrive whole: a slow or broken link may pass, and the same event sent
     * again may arrive whole, so it is a 503 that NSPS retries (a 4xx would drop the event). The
     * connection is closed: the rest of the body may still be on its way.
     */
    private static ApiException bodyNotReceived(String error) {
        return new ApiException(503, ErrorType.CONNECTION_ERROR, "Request body not received", error,
                Map.of(HttpHeaders.RETRY_AFTER, Answers.CAPACITY_RETRY_AFTER, "Connection", "close"));
    }

    /** The declared length when there is one within the limit (a larger one was refused before), else -1. */
    private int plausibleLength(String declaredLength) {
        try {
            long length = declaredLength == null ? -1 : Long.parseLong(declaredLength.trim());
            return length >= 0 && length <= maxBodyBytes ? (int) length : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

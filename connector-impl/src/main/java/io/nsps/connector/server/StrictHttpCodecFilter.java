package io.nsps.connector.server;

import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.web.Answers;
import io.nsps.connector.web.RequestTracing;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.FilterChainEvent;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpContext;
import org.glassfish.grizzly.http.HttpEvents;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpPacketParsing;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.HttpServerFilter;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.Protocol;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.DataChunk;
import org.glassfish.grizzly.http.util.Header;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.glassfish.grizzly.http.util.MimeHeaders;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.MemoryManager;

/**
 * Grizzly's HTTP codec, held to RFC 9112 where Grizzly is lenient, with every refusal a 400
 * {@code ErrorResponse} (JSON, {@code Connection: close}) that gets its access line:
 *
 * <ul>
 *   <li>a request head must be complete within {@code HEADER_READ_TIMEOUT} of its first byte
 *       (slowloris), or the connection is closed;</li>
 *   <li>the head holds no control character but HT, and every CR is followed by LF (a CR-only line
 *       end, a NUL in the target);</li>
 *   <li>every header line has a colon, and header names are tokens (whitespace before the colon is
 *       refused, RFC 9112 5.1);</li>
 *   <li>framing is unambiguous (RFC 9112 6.1, 6.3): {@code Transfer-Encoding} together with
 *       {@code Content-Length} is refused whatever its codings, a {@code Transfer-Encoding} other than
 *       exactly {@code chunked} is refused (the connector decodes no other coding), and so is more than
 *       one {@code Content-Length};</li>
 *   <li>the request target is visible ASCII with well-formed percent-encoding, the version is
 *       HTTP/1.0 or HTTP/1.1 (Grizzly answers 505 otherwise, a 5xx that NSPS would retry for a month),
 *       and a {@code Content-Type}, if any, is one well-formed media type.</li>
 * </ul>
 *
 * Each of these is the sender's fault and can never succeed as sent, hence 400. A {@code CONNECT}
 * is refused the same way, with a 405: the connector is no proxy, and Grizzly would take every byte
 * after it for a tunnel's, answering no further request on the connection. A request that passes
 * them goes on to Jersey exactly as Grizzly parsed it. The management port uses the same codec,
 * without counting its refusals as events ({@code metrics} null).
 */
final class StrictHttpCodecFilter extends HttpServerFilter {

    static final String OUTCOME = "refused_malformed";

    /** When the bytes of the request head now being received started to arrive. */
    private static final Attribute<Long> HEAD_STARTED = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("nsps.head-started");
    /** Set while a request body is being received (the head rules do not apply then). */
    private static final Attribute<Boolean> IN_BODY = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("nsps.in-body");
    /** The head scanner's state between reads ({@link HeadScanner}). */
    private static final Attribute<Integer> SCAN_STATE = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("nsps.head-scan");
    /** Why the request being refused is malformed, for its answer. */
    private static final Attribute<String> REFUSAL = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("nsps.refusal");
    /** The rest of a body answered before it arrived, being read and dropped ({@link #handleEvent}); gone once it has arrived. */
    private static final Attribute<Skip> SKIPPING = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("nsps.skipping");

    /** Whose body is being dropped, and until when its rest may come. */
    private record Skip(HttpRequestPacket request, long until) {
    }

    private static final String GENERIC_REASON =
            "The request line, headers or framing are malformed, or the headers are too large (at most 8 KiB and 100 headers)";
    /** RFC 9110 5.6.2 token characters. */
    /** Characters RFC 3986 allows nowhere in a request's path. */
    private static final String NOT_IN_A_PATH = "\"<>\\^`{|}[]";
    /** The same in an absolute-form target, whose host may hold brackets (an IPv6 literal). */
    private static final String NOT_IN_AN_ABSOLUTE_TARGET = "\"<>\\^`{|}";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** type "/" subtype *( OWS ";" OWS parameter ), RFC 9110 8.3.1. */
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+"
                    + "([ \\t]*;[ \\t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+=([!#$%&'*+.^_`|~0-9A-Za-z-]+|\"([^\"\\\\]|\\\\.)*\"))?)*[ \\t]*");

    private final ObjectMapper mapper;
    private final long headerDeadlineNanos;
    private final long bodyDeadlineNanos;
    private final ConnectorMetrics metrics;

    @SuppressWarnings("deprecation")
    StrictHttpCodecFilter(NetworkListener listener, ObjectMapper mapper, HttpServerFilter original, long headerDeadlineNanos,
                          long bodyDeadlineNanos, ConnectorMetrics metrics) {
        super(listener.isChunkingEnabled(),
                listener.getMaxHttpHeaderSize() == -1 ? DEFAULT_MAX_HTTP_PACKET_HEADER_SIZE : listener.getMaxHttpHeaderSize(),
                null, listener.getKeepAlive(), null, listener.getMaxRequestHeaders(), listener.getMaxResponseHeaders());
        this.mapper = mapper;
        this.headerDeadlineNanos = headerDeadlineNanos;
        this.bodyDeadlineNanos = bodyDeadlineNanos;
        this.metrics = metrics;
        setAllowPayloadForUndefinedHttpMethods(original.isAllowPayloadForUndefinedHttpMethods());
        setMaxPayloadRemainderToSkip(original.getMaxPayloadRemainderToSkip());
        for (var encoding : original.getContentEncodings()) {
            addContentEncoding(encoding);
        }
    }

    /**
     * Slowloris: a request head dribbled in (a byte now and then keeps the connection from ever
     * being idle) must be complete within HEADER_READ_TIMEOUT of its first byte, or the connection
     * is closed. The bytes of a head are scanned as they arrive, before Grizzly parses them (Grizzly
     * ignores a CR that no LF follows, and a head that never has an LF would wait for the deadline).
     * No worker thread is involved: heads are parsed on the selector.
     */
    @Override
    public NextAction handleRead(FilterChainContext ctx) throws IOException {
        Connection<?> connection = ctx.getConnection();
        Skip skip = SKIPPING.get(connection);
        if (skip != null) {
            if (System.nanoTime() - skip.until() > 0) {
                connection.closeSilently();
                return ctx.getStopAction();
            }
            NextAction next = super.handleRead(ctx);
            // Grizzly drops a body's rest without passing it through onHttpContentParsed: whether the
            // body has ended is the request's to say. The next request on a kept connection is a head.
            if (!skip.request().isExpectContent()) {
                SKIPPING.remove(connection);
                IN_BODY.remove(connection);
            }
            return next;
        }
        if (!Boolean.TRUE.equals(IN_BODY.get(connection))) {
            Long started = HEAD_STARTED.get(connection);
            long now = System.nanoTime();
            if (started == null) {
                HEAD_STARTED.set(connection, now);
            } else if (now - started > headerDeadlineNanos) {
                connection.closeSilently();
                return ctx.getStopAction();
            }
            if (ctx.getMessage() instanceof Buffer input) {
                Integer state = SCAN_STATE.get(connection);
                int after = HeadScanner.scan(input, state == null ? HeadScanner.START : state);
                if (after == HeadScanner.MALFORMED) {
                    refuseUnparsed(ctx, "The request head holds a control character, or a CR not followed by LF");
                    return ctx.getStopAction();
                }
                if (after == HeadScanner.NOT_A_REQUEST_LINE) {
                    // Grizzly would wait for the rest of a request line that never comes, until the idle timeout.
                    refuseUnparsed(ctx, "The request line is not METHOD TARGET HTTP-VERSION");
                    return ctx.getStopAction();
                }
                if (after == HeadScanner.NO_COLON) {
                    // Grizzly would wait for a colon that never comes, until the idle timeout.
                    refuseUnparsed(ctx, "A header line has no colon (name: value)");
                    return ctx.getStopAction();
                }
                if (after == HeadScanner.START) {
                    SCAN_STATE.remove(connection);
                } else {
                    SCAN_STATE.set(connection, after);
                }
            }
        }
        return super.handleRead(ctx);
    }

    @Override
    protected void onHttpContentParsed(HttpContent content, FilterChainContext ctx) {
        super.onHttpContentParsed(content, ctx);
        if (content.isLast()) {
            IN_BODY.remove(ctx.getConnection());
        }
    }

    @Override
    protected boolean onHttpHeaderParsed(HttpHeader header, Buffer buffer, FilterChainContext ctx) {
        Connection<?> connection = ctx.getConnection();
        HEAD_STARTED.remove(connection);
        SCAN_STATE.remove(connection);
        boolean error = super.onHttpHeaderParsed(header, buffer, ctx);
        HttpRequestPacket request = (HttpRequestPacket) header;
        HttpResponsePacket response = request.getResponse();
        if (response.getStatus() == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505.getStatusCode()
                || !error && request.getProtocol() != Protocol.HTTP_1_1 && request.getProtocol() != Protocol.HTTP_1_0) {
            HttpStatus.BAD_REQUEST_400.setValues(response);
            REFUSAL.set(connection, "Only HTTP/1.0 and HTTP/1.1 are spoken here");
            return true;
        }
        if (!error && request.getMethod() == Method.CONNECT) {
            // Grizzly takes every byte after a CONNECT for the tunnel's: answered by Jersey, the
            // connection then stayed open, answering nothing, until IDLE_TIMEOUT.
            HttpStatus.METHOD_NOT_ALLOWED_405.setValues(response);
            REFUSAL.set(connection, "CONNECT is not answered: the connector is not a proxy");
            return true;
        }
        String refusal = error ? null : refusal(request);
        if (refusal != null) {
            REFUSAL.set(connection, refusal);
            return true;
        }
        if (!error && header.isExpectContent()) {
            IN_BODY.set(connection, Boolean.TRUE);
        }
        return error;
    }

    /**
     * An answer given before its request's body arrived whole (a 401, a 413, a 503): Grizzly reads
     * and drops the rest of the body, then closes the connection or, when the answer keeps it, reads
     * the next request on it. Closed at once instead, a sender still writing its body would get a
     * reset and might never read the answer (RFC 9112 9.6). The rest has to come within {@code
     * BODY_READ_TIMEOUT} of the answer, as any body has to: a sender dripping it is cut off then
     * ({@link #handleRead}); one sending nothing more is, at {@code IDLE_TIMEOUT}, as any idle
     * connection.
     */
    @Override
    public NextAction handleEvent(FilterChainContext ctx, FilterChainEvent event) throws IOException {
        if (event.type() == HttpEvents.ResponseCompleteEvent.TYPE) {
            HttpContext context = HttpContext.get(ctx);
            HttpRequestPacket request = context == null ? null : context.getRequest();
            if (request != null && request.isExpectContent()) {
                SKIPPING.set(ctx.getConnection(), new Skip(request, System.nanoTime() + bodyDeadlineNanos));
            }
        }
        return super.handleEvent(ctx, event);
    }

    /** Why a parsed head is refused, or null when it is acceptable. */
    private static String refusal(HttpRequestPacket request) {
        MimeHeaders headers = request.getHeaders();
        int contentLengths = 0;
        int contentTypes = 0;
        StringBuilder transferEncoding = null;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.getName(i).toString();
            if (!TOKEN.matcher(name).matches()) {
                return "A header name is not a token (no whitespace before the colon)";
            }
            switch (name.toLowerCase(Locale.ROOT)) {
                case "content-length" -> contentLengths++;
                case "content-type" -> {
                    contentTypes++;
                    if (!MEDIA_TYPE.matcher(headers.getValue(i).toString()).matches()) {
                        return "Content-Type is not a media type such as application/json";
                    }
                }
                case "transfer-encoding" -> transferEncoding = (transferEncoding == null ? new StringBuilder() : transferEncoding.append(','))
                        .append(headers.getValue(i).toString());
                default -> { }
            }
        }
        // Grizzly drops a Content-Length header seen before a chunked Transfer-Encoding from the
        // headers (and does not count one seen after it): both places are looked at.
        if (request instanceof HttpPacketParsing parsing) {
            contentLengths = Math.max(contentLengths, parsing.getHeaderParsingState().contentLengthHeadersCount);
        }
        if (transferEncoding != null && contentLengths > 0) {
            return "Transfer-Encoding and Content-Length together are ambiguous framing";
        }
        if (transferEncoding != null && !transferEncoding.toString().trim().equalsIgnoreCase("chunked")) {
            return "Transfer-Encoding must be exactly chunked";
        }
        if (contentLengths > 1) {
            return "Content-Length is given more than once";
        }
        if (contentTypes > 1) {
            return "Content-Type is given more than once";
        }
        String targetRefusal = targetRefusal(request.getRequestURIRef().getRequestURIBC(), true);
        // Grizzly keeps the query apart from the path: a malformed one would otherwise fail in Jersey
        // (a 500 before any filter of the connector's ran).
        return targetRefusal != null ? targetRefusal : targetRefusal(request.getQueryStringDC(), false);
    }

    /**
     * Visible ASCII, and a {@code %} always followed by two hex digits (the path, or the query). In
     * the path, none of {@link #NOT_IN_A_PATH} either: Jersey cannot build a URI of them, and
     * answered 500. The query is left as lenient as Jersey is with it.
     */
    private static String targetRefusal(DataChunk target, boolean path) {
        String text = target.isNull() ? "" : target.toString();
        String refused = "";
        if (path) {
            refused = text.startsWith("/") ? NOT_IN_A_PATH : NOT_IN_AN_ABSOLUTE_TARGET;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7f || refused.indexOf(c) >= 0) {
                return "The request target holds a character that must be percent-encoded";
            }
            if (c == '%' && (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
                    || Character.digit(text.charAt(i + 2), 16) < 0)) {
                return "The request target holds a malformed percent-encoding";
            }
        }
        return null;
    }

    /**
     * Grizzly's own refusals (a head it cannot parse, over the size limits, or refused above):
     * {@code ErrorResponse} JSON instead of an empty body, and an access line.
     */
    @Override
    protected HttpContent customizeErrorResponse(HttpResponsePacket response) {
        HttpRequestPacket request = response.getRequest();
        Connection<?> connection = request == null ? null : request.getConnection();
        String reason = connection == null ? null : REFUSAL.get(connection);
        if (connection != null) {
            REFUSAL.remove(connection);
        }
        int status = response.getStatus();
        byte[] json = Answers.protocolAnswer(mapper, status, reason == null ? GENERIC_REASON : reason);
        // Into the headers themselves: Grizzly writes its Content-Type field only for requests whose
        // line it parsed, and leaves a header already there as it is.
        response.getHeaders().setValue(Header.ContentType).setString("application/json");
        response.setHeader("Connection", "close");
        if (status == HttpStatus.METHOD_NOT_ALLOWED_405.getStatusCode()) {
            // A CONNECT's: its target is no path, so no path's own methods; those the server answers at all.
            response.setHeader("Allow", "GET, HEAD, POST");
        }
        response.setContentLength(json.length);
        String method = request == null || request.getMethod() == null ? "-" : request.getMethod().getMethodString();
        String target = request == null ? null : request.getRequestURIRef().getRequestURIBC().toString();
        String requestId = RequestTracing.idFrom(request == null ? null : request.getHeader(RequestTracing.TRACE_HEADER));
        String uniqueId = RequestTracing.idFrom(request == null ? null : request.getHeader(RequestTracing.REQUEST_ID_HEADER));
        response.setHeader(RequestTracing.TRACE_HEADER, requestId);
        response.setHeader(RequestTracing.REQUEST_ID_HEADER, uniqueId);
        logRefusal(method, target == null || target.isEmpty() ? "-" : target, status, requestId, uniqueId);
        return HttpContent.builder(response)
                .content(Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, json))
                .last(true)
                .build();
    }

    /** A head refused before Grizzly parsed it: the answer is written as bytes, then the connection closed. */
    private void refuseUnparsed(FilterChainContext ctx, String reason) {
        byte[] json = Answers.protocolAnswer(mapper, 400, reason);
        String requestId = RequestTracing.newId();
        String uniqueId = RequestTracing.newId();
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + RequestTracing.TRACE_HEADER + ": " + requestId + "\r\n" + RequestTracing.REQUEST_ID_HEADER + ": " + uniqueId
                + "\r\nContent-Length: " + json.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] answer = new byte[headBytes.length + json.length];
        System.arraycopy(headBytes, 0, answer, 0, headBytes.length);
        System.arraycopy(json, 0, answer, headBytes.length, json.length);
        logRefusal("-", "-", 400, requestId, uniqueId);
        Connection<?> connection = ctx.getConnection();
        SCAN_STATE.remove(connection);
        HEAD_STARTED.remove(connection);
        ctx.write(Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, answer));
        // Grizzly's close is graceful: the answer queued above is written first.
        connection.closeSilently();
    }

    private void logRefusal(String method, String target, int status, String requestId, String uniqueId) {
        RequestTracing.writeRefusalLine(metrics, method, target, status, requestId, uniqueId, OUTCOME);
    }

    /**
     * Scans the bytes of a request head as they arrive, up to the empty line that ends it, for a
     * control character other than HT, for a CR not followed by LF, and for a header line (any
     * line after the request line) without a colon. The state between two reads is one int:
     * {@link #START}, or bit flags.
     */
    static final class HeadScanner {
        static final int START = 0;
        static final int MALFORMED = -1;
        static final int NO_COLON = -2;
        static final int NOT_A_REQUEST_LINE = -3;
        private static final int PENDING_CR = 1;
        private static final int LINE_HAS_CONTENT = 2;
        private static final int SAW_LINE = 4;
        private static final int LINE_HAS_COLON = 8;
        /** The request line had one space, then two (method SP target SP version). */
        private static final int ONE_SPACE = 16;
        private static final int TWO_SPACES = 32;

        private HeadScanner() {
        }

        /**
         * Scans from the buffer's position (which it leaves unchanged) to the end of the head or of
         * the buffer.
         *
         * @return {@link #MALFORMED}, {@link #NO_COLON}, {@link #NOT_A_REQUEST_LINE} (a first line
         *     without its two spaces), {@link #START} when the head ended within the buffer, else the
         *     state to resume from
         */
        static int scan(Buffer input, int state) {
            int limit = input.limit();
            for (int i = input.position(); i < limit; i++) {
                byte b = input.get(i);
                if ((state & PENDING_CR) != 0) {
                    if (b != '\n') {
                        return MALFORMED;
                    }
                    state &= ~PENDING_CR;
                }
                if (b == '\r') {
                    state |= PENDING_CR;
                } else if (b == '\n') {
                    if ((state & LINE_HAS_CONTENT) == 0 && (state & SAW_LINE) != 0) {
                        return START;
                    }
                    if ((state & LINE_HAS_CONTENT) != 0) {
                        if ((state & SAW_LINE) != 0 && (state & LINE_HAS_COLON) == 0) {
                            return NO_COLON;
                        }
                        if ((state & SAW_LINE) == 0 && (state & TWO_SPACES) == 0) {
                            return NOT_A_REQUEST_LINE;
                        }
                        state = (state & ~(LINE_HAS_CONTENT | LINE_HAS_COLON)) | SAW_LINE;
                    }
                } else if (b >= 0 && b < 0x20 && b != '\t' || b == 0x7f) {
                    return MALFORMED;
                } else if (b == ' ' && (state & SAW_LINE) == 0) {
                    state |= LINE_HAS_CONTENT | ((state & ONE_SPACE) != 0 ? TWO_SPACES : ONE_SPACE);
                } else {
                    state |= b == ':' ? LINE_HAS_CONTENT | LINE_HAS_COLON : LINE_HAS_CONTENT;
                }
            }
            return state;
        }
    }
}

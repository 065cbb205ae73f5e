package io.nsps.connector.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.model.ErrorType;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpPacketParsing;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.ErrorPageGenerator;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.MemoryManager;

/**
 * Grizzly answers some requests itself, before Jersey sees them: malformed request lines, headers
 * over the limit, requests arriving while it shuts down. Out of the box those answers are HTML
 * pages (with stack traces) or empty; these hooks make them {@code ErrorResponse} JSON. The codec
 * filter also refuses a body framed both by Content-Length and by chunks (request smuggling),
 * which Grizzly would otherwise accept by ignoring the length.
 */
final class GrizzlyCustomizations {

    private GrizzlyCustomizations() {
    }

    static byte[] body(ObjectMapper mapper, int status) {
        ErrorType type = status == 503 ? ErrorType.CONNECTION_ERROR : status >= 500 ? ErrorType.INTERNAL_ERROR : ErrorType.VALIDATION_ERROR;
        String message = switch (status) {
            case 400 -> "Malformed HTTP request";
            case 413, 431 -> "Request too large";
            case 503 -> "The connector is shutting down; retry later";
            default -> status >= 500 ? "Internal error" : "Request refused";
        };
        String error = switch (status) {
            case 400 -> "The request line, headers or framing are malformed, or the headers are too large (at most 8 KiB and 100 headers)";
            case 413, 431 -> "The request exceeds the size limits";
            case 503 -> "Service unavailable";
            default -> "HTTP " + status;
        };
        try {
            return mapper.writeValueAsBytes(ErrorResponses.body(type, message, error));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ErrorResponse always serialises", e);
        }
    }

    /**
     * For answers Grizzly's HTTP server layer writes through a Response (requests arriving on open
     * connections while it shuts down, failures outside Jersey). A health check gets the health
     * document, so probes read "shutting_down" as they do from the resource.
     */
    static ErrorPageGenerator errorPageGenerator(ObjectMapper mapper, CapacityRefusals capacityRefusals) {
        byte[] queueFull = capacityBody(mapper);
        return (Request request, int status, String reasonPhrase, String description, Throwable exception) -> {
            // Setting the type here keeps Grizzly from labelling the page text/html.
            request.getResponse().setContentType("application/json");
            if (exception instanceof RejectedExecutionException rejected) {
                // The request was read, but every worker is busy and WORKER_QUEUE requests already
                // wait: refused as admission control refuses (Grizzly would answer 500). The answer
                // is not committed yet, so its status can still change.
                request.getResponse().setStatus(503, "Service Unavailable");
                request.getResponse().setHeader("Retry-After", AdmissionFilter.CAPACITY_RETRY_AFTER);
                // Tracing ids echoed and logged as RequestTracingFilter does for requests that reach Jersey.
                String requestId = RequestTracingFilter.idFrom(request.getHeader(RequestTracing.TRACE_HEADER));
                String uniqueId = RequestTracingFilter.idFrom(request.getHeader(RequestTracing.REQUEST_ID_HEADER));
                request.getResponse().setHeader(RequestTracing.TRACE_HEADER, requestId);
                request.getResponse().setHeader(RequestTracing.REQUEST_ID_HEADER, uniqueId);
                capacityRefusals.refused(request.getMethod().getMethodString(), decodedPath(request), requestId, uniqueId, rejected);
                return "/health".equals(request.getRequestURI()) ? "{\"status\":\"busy\"}" : new String(queueFull, StandardCharsets.UTF_8);
            }
            if (status == 503 && "/health".equals(request.getRequestURI())) {
                return "{\"status\":\"shutting_down\"}";
            }
            return new String(body(mapper, status), StandardCharsets.UTF_8);
        };
    }

    /** The path as the access line of a request that reached Jersey gives it: decoded, when it decodes. */
    private static String decodedPath(Request request) {
        try {
            return request.getDecodedRequestURI();
        } catch (CharConversionException e) {
            return request.getRequestURI();
        }
    }

    private static byte[] capacityBody(ObjectMapper mapper) {
        try {
            return mapper.writeValueAsBytes(ErrorResponses.body(ErrorType.CONNECTION_ERROR, "The connector is at capacity; retry later",
                    "Too many requests waiting for a worker"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ErrorResponse always serialises", e);
        }
    }

    /**
     * Replaces the HTTP codec filter with one whose protocol-error answers (bad request line,
     * oversized headers) carry a JSON body instead of none.
     */
    static AddOn codecAddOn(ObjectMapper mapper, java.time.Duration headerDeadline) {
        return new AddOn() {
            @Override
            public void setup(NetworkListener listener, FilterChainBuilder builder) {
                int index = builder.indexOfType(org.glassfish.grizzly.http.HttpServerFilter.class);
                if (index < 0) {
                    throw new IllegalStateException("Grizzly's filter chain has no HTTP codec filter");
                }
                org.glassfish.grizzly.http.HttpServerFilter original = (org.glassfish.grizzly.http.HttpServerFilter) builder.get(index);
                builder.set(index, new JsonErrorCodecFilter(listener, mapper, original, headerDeadline.toNanos()));
            }
        };
    }

    private static final class JsonErrorCodecFilter extends org.glassfish.grizzly.http.HttpServerFilter {

        /** When the bytes of the request head now being received started to arrive. */
        private static final Attribute<Long> HEAD_STARTED = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("nsps.head-started");
        /** Set while a request body is being received (the head deadline does not apply then). */
        private static final Attribute<Boolean> IN_BODY = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("nsps.in-body");

        private final ObjectMapper mapper;
        private final long headerDeadlineNanos;

        @SuppressWarnings("deprecation")
        JsonErrorCodecFilter(NetworkListener listener, ObjectMapper mapper, org.glassfish.grizzly.http.HttpServerFilter original,
                             long headerDeadlineNanos) {
            super(listener.isChunkingEnabled(),
                    listener.getMaxHttpHeaderSize() == -1 ? DEFAULT_MAX_HTTP_PACKET_HEADER_SIZE : listener.getMaxHttpHeaderSize(),
                    null, listener.getKeepAlive(), null, listener.getMaxRequestHeaders(), listener.getMaxResponseHeaders());
            this.mapper = mapper;
            this.headerDeadlineNanos = headerDeadlineNanos;
            setAllowPayloadForUndefinedHttpMethods(original.isAllowPayloadForUndefinedHttpMethods());
            setMaxPayloadRemainderToSkip(original.getMaxPayloadRemainderToSkip());
            for (var encoding : original.getContentEncodings()) {
                addContentEncoding(encoding);
            }
        }

        /**
         * Slowloris: a request head dribbled in (a byte now and then keeps the connection from ever
         * being idle) must be complete within HEADER_READ_TIMEOUT of its first byte, or the
         * connection is closed. No worker thread is involved: heads are parsed on the selector.
         */
        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            Connection<?> connection = ctx.getConnection();
            if (!Boolean.TRUE.equals(IN_BODY.get(connection))) {
                Long started = HEAD_STARTED.get(connection);
                long now = System.nanoTime();
                if (started == null) {
                    HEAD_STARTED.set(connection, now);
                } else if (now - started > headerDeadlineNanos) {
                    connection.closeSilently();
                    return ctx.getStopAction();
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
            HEAD_STARTED.remove(ctx.getConnection());
            if (header.isExpectContent()) {
                IN_BODY.set(ctx.getConnection(), Boolean.TRUE);
            }
            boolean error = super.onHttpHeaderParsed(header, buffer, ctx);
            // True makes Grizzly answer 400 (through customizeErrorResponse) and close the connection.
            return error || header.isChunked() && declaresContentLength(header, buffer);
        }

        /**
         * Grizzly keeps no Content-Length header beside chunking: it counts one seen before
         * Transfer-Encoding and silently drops one seen after, so the raw header bytes (still at the
         * start of the buffer) are read for the second order. Only chunked requests pay for it.
         */
        private static boolean declaresContentLength(HttpHeader header, Buffer buffer) {
            if (header instanceof HttpPacketParsing parsing && parsing.getHeaderParsingState().contentLengthHeadersCount > 0) {
                return true;
            }
            String raw = buffer.toStringContent(StandardCharsets.ISO_8859_1, 0, buffer.position());
            return raw.toLowerCase(Locale.ROOT).contains("\ncontent-length:");
        }

        @Override
        protected HttpContent customizeErrorResponse(HttpResponsePacket response) {
            byte[] json = body(mapper, response.getStatus());
            response.setContentType("application/json");
            response.setContentLength(json.length);
            return HttpContent.builder(response)
                    .content(Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, json))
                    .last(true)
                    .build();
        }
    }
}

package io.nsps.connector.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Raw bytes over a real socket, for what an HTTP client library would never send: the first
 * answer is contract-checked (an {@code ErrorResponse} or a documented answer, always JSON), and
 * what else arrived on the connection (a second answer: a smuggled request) and whether the server
 * closed it are reported.
 */
public final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp() {
    }

    /**
     * @param status the first answer's status
     * @param head its status line and headers
     * @param body its body
     * @param rest whatever arrived after it (another answer, when a request was smuggled)
     * @param closed whether the server closed the connection after answering
     */
    public record Answer(int status, String head, String body, String rest, boolean closed) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Optional<String> header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return head.lines().filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(line -> line.substring(prefix.length()).trim()).findFirst();
        }
    }

    public static Answer exchange(int port, String request) {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Sends the bytes, then reads until the server closes the connection, or is quiet for a second
     * before a whole answer or for a quarter of a second after one.
     */
    public static Answer exchange(int port, byte[] request) {
        return exchange(port, request, java.time.Duration.ofSeconds(1));
    }

    /** The same, waiting up to {@code wait} for the first bytes of an answer (one that comes only after a server-side timeout). */
    public static Answer exchange(int port, byte[] request, java.time.Duration wait) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) wait.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            boolean closed = false;
            try {
                for (int n; ; ) {
                    n = in.read(buffer);
                    if (n < 0) {
                        closed = true;
                        break;
                    }
                    received.write(buffer, 0, n);
                    if (hasWholeAnswer(received.toString(StandardCharsets.ISO_8859_1))) {
                        // Only a smuggled request's answer could follow: it comes at once, or not at all.
                        socket.setSoTimeout(250);
                    }
                }
            } catch (SocketTimeoutException quiet) {
                // whatever arrived is the answer; the connection is still open
            } catch (IOException reset) {
                closed = true;
            }
            return parse(received.toString(StandardCharsets.UTF_8), closed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hasWholeAnswer(String text) {
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            return false;
        }
        return text.substring(0, split).lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:")).findFirst()
                .map(l -> text.length() - split - 4 >= Integer.parseInt(l.substring(15).trim())).orElse(false);
    }

    private static Answer parse(String text, boolean closed) {
        int split = text.indexOf("\r\n\r\n");
        assertThat(split).as("an HTTP answer in %s", text).isPositive();
        String head = text.substring(0, split);
        int status = Integer.parseInt(head.substring(9, 12));
        String afterHead = text.substring(split + 4);
        int length = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:")).findFirst()
                .map(l -> Integer.parseInt(l.substring(15).trim())).orElse(afterHead.length());
        String body = afterHead.substring(0, Math.min(length, afterHead.length()));
        String rest = afterHead.substring(body.length());
        String contentType = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-type:")).findFirst()
                .map(l -> l.substring(13).trim()).orElse("");
        if (status >= 400) {
            ContractValidator.validate(null, "GET", status, contentType, body);
        } else {
            assertThat(contentType).as("Content-Type of a %d answer", status).startsWith("application/json");
        }
        return new Answer(status, head, body, rest, closed);
    }
}

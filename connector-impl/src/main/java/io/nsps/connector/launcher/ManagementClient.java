package io.nsps.connector.launcher;

import io.nsps.connector.config.ConnectorConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The operator's commands' way to a running instance: its management port
 * ({@code http://127.0.0.1:$MANAGEMENT_PORT} unless {@code --url} says otherwise), with
 * {@code MANAGEMENT_TOKEN} (or {@code MANAGEMENT_TOKEN_FILE}, or {@code --token}).
 */
final class ManagementClient {

    private final URI base;
    private final String token;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private ManagementClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /**
     * @param url the {@code --url} given ({@link OptionTypes.HttpUrl}), or null for the local management port
     * @throws IllegalArgumentException when no token is given, or MANAGEMENT_PORT makes no URL
     */
    static ManagementClient of(URI url, String token, Map<String, String> env) throws IOException {
        URI base = url != null ? url : OptionTypes.HttpUrl.parse("http://127.0.0.1:" + env.getOrDefault("MANAGEMENT_PORT",
                Integer.toString(ConnectorConfigLoader.DEFAULT_MANAGEMENT_PORT)).strip());
        String bearer = token;
        if (bearer == null) {
            bearer = env.get("MANAGEMENT_TOKEN");
        }
        if ((bearer == null || bearer.isBlank()) && env.get("MANAGEMENT_TOKEN_FILE") != null) {
            bearer = Files.readString(Path.of(env.get("MANAGEMENT_TOKEN_FILE"))).strip();
        }
        if (bearer == null || bearer.isBlank()) {
            throw new IllegalArgumentException("no management token: give --token, or set MANAGEMENT_TOKEN (or MANAGEMENT_TOKEN_FILE)");
        }
        return new ManagementClient(base.getPath().endsWith("/") ? base : URI.create(base + "/"), bearer.strip());
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return client.send(request(pathAndQuery).GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return client.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    URI base() {
        return base;
    }

    /** A refusal as one line: its status, message and error (the body as it came when it is not an ErrorResponse). */
    static String describeRefusal(HttpResponse<String> answer) {
        try {
            com.fasterxml.jackson.databind.JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());
            if (error != null && error.hasNonNull("message")) {
                return answer.statusCode() + ": " + error.path("message").asText()
                        + (error.hasNonNull("error") ? " (" + error.path("error").asText() + ")" : "");
            }
        } catch (IOException e) {
            // not JSON: shown as it came
        }
        return answer.statusCode() + " " + answer.body();
    }

    /**
     * Why no answer came, in words (the HTTP client's exceptions often carry no message, or a
     * class name): connection refused, the host unknown, timed out, TLS, or the connection lost.
     */
    static String whyNoAnswer(IOException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.nio.channels.UnresolvedAddressException || cause instanceof java.net.UnknownHostException) {
                return "the host name does not resolve";
            }
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "the connection timed out";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time";
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            // java.net.http wraps the refusal when a body was being sent (send's POST).
            if (cause instanceof java.net.ConnectException) {
                return "connection refused (is the connector running, with this port?)";
            }
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "the TLS handshake failed";
        }
        return "the connection failed or was closed before an answer";
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(base.resolve(pathAndQuery.startsWith("/") ? pathAndQuery.substring(1) : pathAndQuery))
                .timeout(Duration.ofMinutes(5)).header("Authorization", "Bearer " + token);
    }
}

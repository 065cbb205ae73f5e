package io.nsps.connector.dispatch;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.launcher.ConnectorApplication;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.RunningConnector;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vendor's handler, compiled against the SPI at test time, packaged as a jar and dropped into the
 * handlers folder, is found and receives events: no change to the connector.
 */
final class VendorHandlerJarTest {

    private static final String FACTORY_SOURCE = """
            package com.vendor.crm;

            import io.nsps.connector.model.Event;
            import io.nsps.connector.spi.*;
            import java.nio.file.*;
            import java.util.*;

            public final class CrmHandlerFactory implements HandlerFactory {
                @Override public String name() { return "%s"; }
                @Override public String description() { return "Vendor CRM handler"; }
                @Override public EventHandler create(HandlerContext context) {
                    Path journal = Path.of(context.config().require("JOURNAL"));
                    List<String> types = context.config().list("EVENT_TYPES", List.of("Account/*"));
                    return new EventHandler() {
                        @Override public Set<String> eventTypes() { return new LinkedHashSet<>(types); }
                        @Override public HandlerResult handle(Event event) throws HandlerException {
                            try {
                                Files.writeString(journal, event.getEventId() + "\\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                            } catch (java.io.IOException e) {
                                throw new UpstreamUnavailableException("CRM journal unavailable", null, e);
                            }
                            return HandlerResult.processed("CRM updated for " + event.getEventId());
                        }
                    };
                }
            }
            """;

    @TempDir
    Path work;

    @Test
    void droppedInJarReceivesEvents() throws Exception {
        Path handlersDir = Files.createDirectories(work.resolve("handlers"));
        buildHandlerJar("vendor-crm", handlersDir.resolve("vendor-crm-1.0.jar"));
        Path journal = work.resolve("journal.txt");

        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS_DIR", handlersDir.toString(),
                "HANDLERS", "vendor-crm", "VENDOR_CRM_JOURNAL", journal.toString()))) {
            HttpAnswer answer = connector.send(HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"event_id\":\"vendor-1\",\"data\":{\"event_type\":\"Account/Blocked\",\"variables\":{\"i_account\":7}}}")));

            assertThat(answer.status()).isEqualTo(202);
            assertThat(answer.json().path("message").asText()).isEqualTo("CRM updated for vendor-1");
            assertThat(Files.readAllLines(journal)).containsExactly("vendor-1");
        }
    }

    @Test
    void vendorSettingsAreValidatedWithTheRest() throws Exception {
        Path handlersDir = Files.createDirectories(work.resolve("handlers"));
        buildHandlerJar("vendor-crm", handlersDir.resolve("vendor-crm-1.0.jar"));

        assertThatThrownBy(() -> ConnectorApplication.start(Map.of("API_TOKEN", "t0ken-value-0123456789", "HANDLERS", "vendor-crm",
                "HANDLERS_DIR", handlersDir.toString(), "PORT", "0")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("VENDOR_CRM_JOURNAL is required");
    }

    @Test
    void aJarReusingABuiltInNameStopsStartUp() throws Exception {
        Path handlersDir = Files.createDirectories(work.resolve("handlers"));
        buildHandlerJar("log", handlersDir.resolve("impostor.jar"));

        assertThatThrownBy(() -> ConnectorApplication.start(Map.of("API_TOKEN", "t0ken-value-0123456789", "HANDLERS", "log",
                "HANDLERS_DIR", handlersDir.toString(), "PORT", "0")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("two handlers are named 'log'")
                .hasMessageContaining("impostor.jar");
    }

    /** Compiles the vendor factory against the test classpath (which holds the SPI) and jars it with its service file. */
    private void buildHandlerJar(String handlerName, Path jar) throws IOException {
        Path sources = Files.createDirectories(work.resolve("src-" + handlerName + "/com/vendor/crm"));
        Path classes = Files.createDirectories(work.resolve("classes-" + handlerName));
        Path source = sources.resolve("CrmHandlerFactory.java");
        Files.writeString(source, FACTORY_SOURCE.formatted(handlerName));
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int result = compiler.run(null, null, null, "--release", "17", "-classpath", System.getProperty("java.class.path"),
                "-d", classes.toString(), source.toString());
        assertThat(result).as("vendor handler compiles against the SPI").isZero();

        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            out.putNextEntry(new JarEntry("META-INF/services/io.nsps.connector.spi.HandlerFactory"));
            write(out, "com.vendor.crm.CrmHandlerFactory\n");
            out.closeEntry();
        }
        assertThat(List.of(jar)).allMatch(Files::isRegularFile);
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }
}

package io.nsps.connector.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.model.Event;
import io.nsps.connector.spi.HandlerFactory;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.JarBuilder;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RunningConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vendor handlers are loaded as Trino loads plugins: each jar or sub-folder of the handlers folder
 * in its own class loader, which shares only the SPI (its models, and the SLF4J API) with the connector. Two
 * handlers bundling two versions of one library both work; a handler cannot reach the connector's
 * classes or its libraries.
 */
final class HandlerIsolationTest {

    /** A small library, in two versions with the same class name. */
    private static final String GREETING = """
            package com.example.greeting;
            public final class Greeting {
                public static String version() { return "%s"; }
            }
            """;

    /** A handler reporting which version of the library it sees, and what else it can load. */
    private static final String FACTORY = """
            package com.vendor.%1$s;

            import io.nsps.connector.model.Event;
            import io.nsps.connector.spi.*;
            import java.util.*;

            public final class Factory implements HandlerFactory {
                @Override public String name() { return "%1$s"; }
                @Override public EventHandler create(HandlerContext context) {
                    return new EventHandler() {
                        @Override public Set<String> eventTypes() { return Set.of("Isolation/%1$s"); }
                        @Override public HandlerResult handle(Event event) {
                            return HandlerResult.processed("%1$s sees greeting " + com.example.greeting.Greeting.version()
                                    + ", context loader is own: " + (Thread.currentThread().getContextClassLoader() == Factory.class.getClassLoader()));
                        }
                    };
                }
            }
            """;

    /** A handler that tries to reach past the SPI. */
    private static final String SNOOP = """
            package com.vendor.snoop;

            import io.nsps.connector.model.Event;
            import io.nsps.connector.spi.*;
            import java.util.*;

            public final class Factory implements HandlerFactory {
                @Override public String name() { return "snoop"; }
                @Override public EventHandler create(HandlerContext context) {
                    return new EventHandler() {
                        @Override public Set<String> eventTypes() { return Set.of("Isolation/snoop"); }
                        @Override public HandlerResult handle(Event event) {
                            List<String> seen = new ArrayList<>();
                            for (String name : List.of("org.glassfish.grizzly.http.server.HttpServer", "org.glassfish.jersey.server.ResourceConfig",
                                    "io.nsps.connector.launcher.Main", "io.nsps.connector.state.StateStore",
                                    "com.fasterxml.jackson.databind.ObjectMapper", "ch.qos.logback.classic.Logger",
                                    "org.slf4j.bridge.SLF4JBridgeHandler", "io.nsps.connector.spi.HandlerResult", "org.slf4j.LoggerFactory",
                                    "java.net.http.HttpClient")) {
                                try {
                                    Class.forName(name, false, Factory.class.getClassLoader());
                                    seen.add(name + "=loaded");
                                } catch (ClassNotFoundException e) {
                                    seen.add(name + "=ClassNotFoundException");
                                }
                            }
                            return HandlerResult.processed(String.join(" ", seen));
                        }
                    };
                }
            }
            """;

    @TempDir
    static Path work;
    private static Path handlersDir;

    @BeforeAll
    static void buildHandlers() throws Exception {
        handlersDir = Files.createDirectories(work.resolve("handlers"));
        String spi = JarBuilder.locationOf(HandlerFactory.class);
        String models = JarBuilder.locationOf(Event.class);
        for (String[] handler : new String[][] {{"alpha", "1.0"}, {"beta", "2.0"}}) {
            Path folder = Files.createDirectories(handlersDir.resolve(handler[0]));
            Path library = JarBuilder.in(work).source("com.example.greeting.Greeting", GREETING.formatted(handler[1]))
                    .build(folder.resolve("greeting-" + handler[1] + ".jar"));
            JarBuilder.in(work).source("com.vendor." + handler[0] + ".Factory", FACTORY.formatted(handler[0]))
                    .classpath(spi, models, library.toString())
                    .handlerFactory("com.vendor." + handler[0] + ".Factory")
                    .build(folder.resolve(handler[0] + "-handler.jar"));
        }
        JarBuilder.in(work).source("com.vendor.snoop.Factory", SNOOP).classpath(spi, models)
                .handlerFactory("com.vendor.snoop.Factory").build(handlersDir.resolve("snoop.jar"));
    }

    @Test
    void twoHandlersWithTwoVersionsOfOneLibraryEachGetTheirOwn() {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "alpha,beta", "HANDLERS_DIR", handlersDir.toString()))) {
            HttpAnswer alpha = connector.postEvent(event("iso-1", "Isolation/alpha"));
            HttpAnswer beta = connector.postEvent(event("iso-2", "Isolation/beta"));

            assertThat(alpha.status()).as(alpha.body()).isEqualTo(202);
            assertThat(alpha.json().path("message").asText()).isEqualTo("alpha sees greeting 1.0, context loader is own: true");
            assertThat(beta.json().path("message").asText()).isEqualTo("beta sees greeting 2.0, context loader is own: true");
            assertThat(LogCapture.lines()).anySatisfy(line -> assertThat(line)
                    .contains("Handlers folder " + handlersDir.toAbsolutePath().normalize())
                    .contains("alpha/ (alpha-handler.jar, greeting-1.0.jar)").contains("beta/ (beta-handler.jar, greeting-2.0.jar)")
                    .contains("snoop.jar"));
        }
    }

    @Test
    void aHandlerReachesTheSpiAndTheJdkButNothingElseOfTheConnector() {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "snoop", "HANDLERS_DIR", handlersDir.toString()))) {
            HttpAnswer answer = connector.postEvent(event("iso-3", "Isolation/snoop"));

            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
            assertThat(answer.json().path("message").asText().split(" ")).containsExactly(
                    "org.glassfish.grizzly.http.server.HttpServer=ClassNotFoundException",
                    "org.glassfish.jersey.server.ResourceConfig=ClassNotFoundException",
                    "io.nsps.connector.launcher.Main=ClassNotFoundException",
                    "io.nsps.connector.state.StateStore=ClassNotFoundException",
                    "com.fasterxml.jackson.databind.ObjectMapper=ClassNotFoundException",
                    "ch.qos.logback.classic.Logger=ClassNotFoundException",
                    "org.slf4j.bridge.SLF4JBridgeHandler=ClassNotFoundException",
                    "io.nsps.connector.spi.HandlerResult=loaded",
                    "org.slf4j.LoggerFactory=loaded",
                    "java.net.http.HttpClient=loaded");
        }
    }

    @Test
    void anUnknownHandlerSaysWhereItWasLookedFor() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunningConnector.start(Map.of("HANDLERS", "gamma",
                        "HANDLERS_DIR", handlersDir.toString())))
                .hasMessageContaining("HANDLERS names unknown handler 'gamma'")
                .hasMessageContaining("looked in the built-in handlers and the handlers folder " + handlersDir.toAbsolutePath().normalize())
                .hasMessageContaining("alpha/ (alpha-handler.jar, greeting-1.0.jar)");
    }

    private static String event(String id, String type) {
        return "{\"event_id\":\"" + id + "\",\"data\":{\"event_type\":\"" + type + "\"}}";
    }
}

package io.nsps.connector.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.model.Event;
import io.nsps.connector.spi.HandlerFactory;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.JarBuilder;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RunningConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /** A handler whose factory needs its library (as a Feign client's factory does). */
    private static final String FACTORY_USING_LIBRARY_AT_START = """
            package com.vendor.%1$s;

            import io.nsps.connector.model.Event;
            import io.nsps.connector.spi.*;
            import java.util.*;

            public final class Factory implements HandlerFactory {
                @Override public String name() { return "%1$s"; }
                @Override public EventHandler create(HandlerContext context) {
                    String version = com.example.greeting.Greeting.version();
                    return new EventHandler() {
                        @Override public Set<String> eventTypes() { return Set.of("Isolation/%1$s"); }
                        @Override public HandlerResult handle(Event event) { return HandlerResult.processed(version); }
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

    @Test
    void aFolderHoldingTwoVersionsOfAHandlerIsRefusedNotRunWithTheOlderOne(@TempDir Path other) throws Exception {
        Path folder = Files.createDirectories(other.resolve("handlers").resolve("pcrf-handler"));
        Path library = JarBuilder.in(work).source("com.example.greeting.Greeting", GREETING.formatted("1.0"))
                .build(folder.resolve("greeting-1.0.jar"));
        for (String version : List.of("1.0.0", "1.0.1")) {
            handlerJar("pcrf", library).build(folder.resolve("pcrf-handler-" + version + ".jar"));
        }

        assertThatThrownBy(() -> RunningConnector.start(Map.of("HANDLERS", "pcrf", "HANDLERS_DIR", other.resolve("handlers").toString())))
                .hasMessageContaining("the handlers folder's pcrf-handler/ holds 2 versions of pcrf-handler"
                        + " (pcrf-handler-1.0.0.jar, pcrf-handler-1.0.1.jar): keep one")
                .hasMessageContaining("replace its folder");
    }

    @Test
    void jarsAreKnownByTheirMavenCoordinatesOrNamesAndOneVersionsClassifiersAreNotTwoVersions(@TempDir Path other) throws Exception {
        Path handlers = other.resolve("handlers");
        Path library = JarBuilder.in(work).source("com.example.greeting.Greeting", GREETING.formatted("1.0"))
                .build(other.resolve("greeting.jar"));
        Path renamed = Files.createDirectories(handlers.resolve("renamed"));
        Files.copy(library, renamed.resolve("greeting.jar"));
        handlerJar("renamed", library).resource("META-INF/maven/com.acme/renamed/pom.properties", pom("renamed", "1.0.0"))
                .build(renamed.resolve("handler.jar"));
        handlerJar("renamed", library).resource("META-INF/maven/com.acme/renamed/pom.properties", pom("renamed", "1.1.0"))
                .build(renamed.resolve("handler-new.jar"));
        Path classifiers = Files.createDirectories(handlers.resolve("classifiers"));
        Files.copy(library, classifiers.resolve("greeting.jar"));
        handlerJar("classifiers", library).resource("META-INF/maven/com.acme/classifiers/pom.properties", pom("classifiers", "2.0"))
                .build(classifiers.resolve("classifiers-2.0.jar"));
        JarBuilder.in(work).source("com.acme.Native", "package com.acme; public final class Native { }")
                .resource("META-INF/maven/com.acme/classifiers/pom.properties", pom("classifiers", "2.0"))
                .build(classifiers.resolve("classifiers-2.0-linux-x86_64.jar"));

        Path natives = Files.createDirectories(handlers.resolve("natives"));
        Files.copy(library, natives.resolve("greeting.jar"));
        handlerJar("natives", library).build(natives.resolve("natives-2.0.jar"));
        JarBuilder.in(work).source("com.acme.Native", "package com.acme; public final class Native { }")
                .build(natives.resolve("natives-2.0-linux-x86_64.jar"));
        Path snapshots = Files.createDirectories(handlers.resolve("snapshots"));
        for (String build : List.of("1.0-20240101.120000-1", "1.0-20240301.130000-2")) {
            handlerJar("snapshots", library).resource("META-INF/maven/com.acme/snapshots/pom.properties", pom("snapshots", "1.0-SNAPSHOT"))
                    .build(snapshots.resolve("snapshots-" + build + ".jar"));
        }

        assertThatThrownBy(() -> RunningConnector.start(Map.of("HANDLERS", "classifiers,natives", "HANDLERS_DIR", handlers.toString())))
                .hasMessageContaining("holds 2 versions of com.acme:renamed (handler-new.jar, handler.jar)")
                .hasMessageContaining("holds 2 versions of com.acme:snapshots (snapshots-1.0-20240101.120000-1.jar,"
                        + " snapshots-1.0-20240301.130000-2.jar)")
                .hasMessageNotContaining("com.acme:classifiers").hasMessageNotContaining("versions of natives");
        Files.delete(renamed.resolve("handler.jar"));
        Files.delete(snapshots.resolve("snapshots-1.0-20240101.120000-1.jar"));
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "classifiers,natives", "HANDLERS_DIR", handlers.toString()))) {
            HttpAnswer classified = connector.postEvent(event("iso-4", "Isolation/classifiers"));
            HttpAnswer nativeOnes = connector.postEvent(event("iso-5", "Isolation/natives"));
            assertThat(classified.status()).as(classified.body()).isEqualTo(202);
            assertThat(nativeOnes.status()).as(nativeOnes.body()).isEqualTo(202);
        }
    }

    @Test
    void aHandlerJarWithoutItsLibrariesSaysToBringThemInItsFolder(@TempDir Path other) throws Exception {
        Path library = JarBuilder.in(work).source("com.example.greeting.Greeting", GREETING.formatted("1.0"))
                .build(other.resolve("greeting-1.0.jar"));
        Path handlers = Files.createDirectories(other.resolve("handlers"));
        JarBuilder.in(work).source("com.vendor.lonely.Factory", FACTORY_USING_LIBRARY_AT_START.formatted("lonely"))
                .classpath(JarBuilder.locationOf(HandlerFactory.class), JarBuilder.locationOf(Event.class), library.toString())
                .handlerFactory("com.vendor.lonely.Factory").build(handlers.resolve("lonely-1.0.jar"));

        assertThatThrownBy(() -> RunningConnector.start(Map.of("HANDLERS", "lonely", "HANDLERS_DIR", handlers.toString())))
                .hasMessageContaining("handler lonely failed to start: java.lang.NoClassDefFoundError: com/example/greeting/Greeting")
                .hasMessageContaining("put the handler's jar and the libraries it bundles in one sub-folder of the handlers folder");
    }

    private static JarBuilder handlerJar(String name, Path library) {
        return JarBuilder.in(work).source("com.vendor." + name + ".Factory", FACTORY.formatted(name))
                .classpath(JarBuilder.locationOf(HandlerFactory.class), JarBuilder.locationOf(Event.class), library.toString())
                .handlerFactory("com.vendor." + name + ".Factory");
    }

    private static String pom(String artifact, String version) {
        return "groupId=com.acme\nartifactId=" + artifact + "\nversion=" + version + "\n";
    }

    private static String event(String id, String type) {
        return "{\"event_id\":\"" + id + "\",\"data\":{\"event_type\":\"" + type + "\"}}";
    }
}

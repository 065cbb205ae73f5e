package io.nsps.connector.launcher;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.config.ConnectorConfigLoader;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.dispatch.EventTypePattern;
import io.nsps.connector.dispatch.HandlerRegistry;
import io.nsps.connector.dispatch.RegisteredHandler;
import io.nsps.connector.server.ConnectorServer;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.spi.HandlerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import io.nsps.connector.logging.LoggingSetup;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import sun.misc.Signal;

/**
 * {@code nsps-connector [serve|demo|handlers|check-config|send|journal|replay|help|generate-completion]} ({@code demo}
 * runs connector-demo's code). Configuration comes from environment variables;
 * a configuration problem ends the process with exit code 2 and the list of every problem, no
 * stack trace. SIGTERM and SIGINT shut down gracefully and exit 0.
 */
@Command(name = "nsps-connector", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Receives PortaBilling events from NSPS and provisions external systems through handlers.",
        subcommands = {Main.Serve.class, Main.Demo.class, Main.Handlers.class, CheckConfigCommand.class, SendCommand.class,
                JournalCommand.class, ReplayCommand.class, Main.Train.class,
                CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class})
public final class Main implements Callable<Integer> {

    static final int CONFIGURATION_ERROR = 2;
    static final int START_FAILURE = 1;

    /** The environment every command reads its configuration from (the process's, or a test's). */
    private final Map<String, String> env;

    Main(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> env) {
        if (isPlainServe(args)) {
            // The service's own start takes no options, so it skips the command-line model: picocli's
            // classes are compiled for Java 5, which class-data sharing cannot archive, and building
            // its reflective model loaded and verified its classes on every start (docs/performance.md).
            return runUntilSignalled(env, server -> { });
        }
        return commandLine(env).execute(args);
    }

    /** The commands, with the one rule on log lines: only {@code serve} and {@code demo} (and the training run) write any. */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine commandLine = new CommandLine(new Main(env));
        commandLine.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult last = parsed;
            while (last.hasSubcommand()) {
                last = last.subcommand();
            }
            boolean helpOnly = last.isUsageHelpRequested() || last.isVersionHelpRequested();
            if (helpOnly || !WRITE_LOG_LINES.contains(last.commandSpec().name())) {
                // A report on standard output: no log line may land in it, in any format, at any level.
                LoggingSetup.silence();
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return commandLine;
    }

    /** The commands that run the connector, whose log lines are their output (nsps-connector alone is serve). */
    private static final java.util.Set<String> WRITE_LOG_LINES = java.util.Set.of("nsps-connector", "serve", "demo", "train");

    /** No arguments, or only {@code serve}: the start every deployment runs. */
    static boolean isPlainServe(String[] args) {
        return args.length == 0 || args.length == 1 && "serve".equals(args[0]);
    }

    /** Without a command: serve. */
    @Override
    public Integer call() {
        return runUntilSignalled(env, server -> { });
    }

    /** The environment every command reads its configuration from. */
    Map<String, String> env() {
        return env;
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the connector with the configuration in the environment (the default).")
    static final class Serve implements Callable<Integer> {
        @ParentCommand
        private Main main;

        @Override
        public Integer call() {
            return runUntilSignalled(main.env, server -> { });
        }
    }

    /**
     * {@code demo}: connector-demo's, which depends on this module, so reached by its class name
     * (the distribution has it on the class path; a build without it says so).
     */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Run the connector with the hlr-hss handler against an embedded HLR/HSS simulator and the log handler: "
                    + "no configuration needed (PORT, HOST and MANAGEMENT_PORT still apply; MANAGEMENT_PORT=0 turns the management port off). Prints the URL, a token and ready-to-paste curl commands.")
    static final class Demo implements Callable<Integer> {
        static final String DEMO_CLASS = "io.nsps.connector.demo.Demo";

        @ParentCommand
        private Main main;

        @Override
        public Integer call() throws Exception {
            java.lang.reflect.Method run;
            try {
                run = Class.forName(DEMO_CLASS).getMethod("run", Map.class);
            } catch (ClassNotFoundException | NoSuchMethodException e) {
                System.err.println("nsps-connector demo: this build has no demo (connector-demo is not on the class path)");
                return START_FAILURE;
            }
            try {
                return (Integer) run.invoke(null, main.env);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }

    /**
     * Runs the connector once through its common paths and stops: the launcher runs this with
     * {@code -XX:ArchiveClassesAtExit} (Java 17-24) or {@code -XX:AOTCacheOutput} (Java 25 and
     * later) after a build, so that later starts map the classes from a class-data-sharing archive
     * or ahead-of-time cache instead of loading and verifying them again. Both shipped handlers
     * run (hlr-hss against {@link TrainingHlr}), and the management port answers a scrape.
     */
    @Command(name = "train", hidden = true, description = "Exercise the connector once (used to build the class-data-sharing archive).")
    static final class Train implements Callable<Integer> {
        @ParentCommand
        private Main main;

        @Override
        public Integer call() throws Exception {
            String token = newToken();
            try (TrainingHlr hlr = TrainingHlr.start()) {
                Map<String, String> trainingEnv = new HashMap<>(Map.of("API_TOKEN", token, "HANDLERS", "log,hlr-hss", "HOST", "127.0.0.1",
                        "PORT", "0", "LOG_LEVEL", "error", "HLR_API_URL", hlr.baseUrl(),
                        "HANDLERS_DIR", ConnectorConfigLoader.handlersDir(main.env).toString()));
                ConnectorServer server = startOnAFreeManagementPort(trainingEnv);
                try {
                    String sample = Files.readString(sampleEvent(main.env));
                    List<Integer> statuses = new java.util.ArrayList<>();
                    for (String body : List.of(sample, sample, "{\"event_id\":1}", "{")) {
                        statuses.add(trainingRequest(server.eventsUri(), token, body));
                    }
                    if (!statuses.equals(List.of(202, 202, 422, 400)) || hlr.calls() == 0) {
                        // The archive would miss the paths a start takes: better none (the launcher drops it).
                        System.err.println("nsps-connector train: the training run was answered " + statuses + " with " + hlr.calls()
                                + " HLR calls");
                        return START_FAILURE;
                    }
                    trainingRequest(server.baseUri().resolve("/health"), null, null);
                    if (server.managementUri().isPresent()) {
                        trainingRequest(server.managementUri().get().resolve("/metrics"), null, null);
                    }
                } finally {
                    server.shutdownGracefully();
                }
            }
            return 0;
        }

        /**
         * The training run's own requests: a POST of {@code body} with the token, or a GET without a
         * body; the answer's status. The JDK's {@code HttpURLConnection} rather than java.net.http,
         * whose client builds the default TLS context when it is created: its ~700 classes (the client,
         * TLS, certificates), which a serving connector never loads, went into the archive, which a
         * start maps and touches whole (docs/performance.md, "Start-up and idle memory").
         */
        private static int trainingRequest(URI uri, String token, String body) throws IOException {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            // A training run that hangs would hold up the first start, which waits for it.
            connection.setConnectTimeout(30_000);
            connection.setReadTimeout(30_000);
            try {
                if (body != null) {
                    connection.setRequestMethod("POST");
                    connection.setRequestProperty("Authorization", "Bearer " + token);
                    connection.setRequestProperty("Content-Type", "application/json");
                    connection.setDoOutput(true);
                    try (OutputStream out = connection.getOutputStream()) {
                        out.write(body.getBytes(StandardCharsets.UTF_8));
                    }
                }
                int status = connection.getResponseCode();
                try (InputStream answer = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                    if (answer != null) {
                        answer.readAllBytes();
                    }
                }
                return status;
            } finally {
                connection.disconnect();
            }
        }

        /**
         * Starts the training connector with its management port on (MANAGEMENT_PORT 0 turns it off,
         * so a free port is probed first). Between the probe and the connector's bind, the kernel can
         * hand the port to another socket: a failed bind is tried again on another port, since a
         * failed training run leaves the connector without its archive until the next build.
         */
        private static ConnectorServer startOnAFreeManagementPort(Map<String, String> env) throws Exception {
            return startOnAFreeManagementPort(env, Train::probeFreePort);
        }

        /** {@link #startOnAFreeManagementPort(Map)}, taking each port to try from {@code ports}: three at most. */
        static ConnectorServer startOnAFreeManagementPort(Map<String, String> env, IntSupplier ports) throws Exception {
            for (int attempt = 1; ; attempt++) {
                env.put("MANAGEMENT_PORT", Integer.toString(ports.getAsInt()));
                try {
                    return ConnectorApplication.start(env);
                } catch (IOException e) {
                    if (attempt == 3 || !(e.getCause() instanceof BindException)) {
                        throw e;
                    }
                }
            }
        }

        private static int probeFreePort() {
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return probe.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Command(name = "handlers", mixinStandardHelpOptions = true,
            description = "List the handlers found (built in and in HANDLERS_DIR), where they were looked for, and their event types.")
    static final class Handlers implements Callable<Integer> {
        @ParentCommand
        private Main main;

        @Override
        public Integer call() {
            PrintWriter out = new PrintWriter(System.out, true);
            PrintWriter err = new PrintWriter(System.err, true);
            HandlerRegistry registry;
            try {
                registry = HandlerRegistry.discover(ConnectorConfigLoader.handlersDir(main.env));
            } catch (ConfigurationException e) {
                err.println(e.getMessage());
                return CONFIGURATION_ERROR;
            }
            out.println(registry.folderSummary());
            if (registry.names().isEmpty()) {
                out.println("No handlers found.");
                return 0;
            }
            for (Map.Entry<String, HandlerFactory> entry : registry.factories().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).toList()) {
                HandlerFactory factory = entry.getValue();
                out.println(entry.getKey() + " - " + factory.description());
                out.println("    settings prefix: " + factory.configPrefix());
                out.println("    event types:     " + eventTypes(registry, entry.getKey()));
            }
            return 0;
        }

        /** The types as this environment configures them; a handler that needs settings says which. */
        private String eventTypes(HandlerRegistry registry, String name) {
            try {
                List<RegisteredHandler> created = registry.create(List.of(name), main.env, Clock.systemUTC(), new ConnectorMetrics());
                String types = created.get(0).patterns().stream().map(EventTypePattern::toString).collect(Collectors.joining(", "));
                created.forEach(RegisteredHandler::close);
                return types;
            } catch (ConfigurationException e) {
                return "(not configured here: " + String.join("; ", e.problems()) + ")";
            }
        }
    }

    /** Starts the connector, tells {@code onStarted}, serves until SIGTERM or SIGINT; returns the exit code. */
    public static int runUntilSignalled(Map<String, String> env, java.util.function.Consumer<ConnectorServer> onStarted) {
        ConnectorServer server;
        try {
            server = ConnectorApplication.start(env);
        } catch (ConfigurationException | IOException e) {
            return reportStartFailure(e, new PrintWriter(System.err, true));
        }
        onStarted.accept(server);
        awaitSignal(server);
        return 0;
    }

    /** Prints why the connector did not start, without a stack trace; returns the exit code. */
    private static int reportStartFailure(Exception failure, PrintWriter err) {
        if (failure instanceof ConfigurationException) {
            // A handler's own message may quote a value it was given: mask whatever secret is known.
            err.println("nsps-connector cannot start: " + SecretMasker.mask(failure.getMessage()));
            return CONFIGURATION_ERROR;
        }
        if (failure instanceof BindException) {
            err.println("nsps-connector cannot start: the address is in use or not available (" + failure.getMessage()
                    + "); set HOST and PORT");
            return START_FAILURE;
        }
        err.println("nsps-connector cannot start: " + failure.getMessage());
        return START_FAILURE;
    }

    /** Blocks until SIGTERM or SIGINT, then shuts down gracefully. */
    private static void awaitSignal(ConnectorServer server) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            server.shutdownGracefully();
            stopped.countDown();
        };
        // A signal handler (not a shutdown hook) so that a graceful stop exits 0, not 143.
        for (String signal : List.of("TERM", "INT")) {
            Signal.handle(new Signal(signal), s -> new Thread(stop, "nsps-shutdown").start());
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownGracefully();
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The shipped sample event, from the project tree when run by the launcher, else extracted from the classpath. */
    public static Path sampleEvent(Map<String, String> env) throws IOException {
        String home = env.get("NSPS_CONNECTOR_HOME");
        if (home != null) {
            for (Path candidate : List.of(Path.of(home, "samples", "events", "sim-updated.json"),
                    Path.of(home, "api-spec", "src", "main", "resources", "examples", "events", "sim-updated.json"))) {
                if (Files.isRegularFile(candidate)) {
                    return candidate.toAbsolutePath();
                }
            }
        }
        Path extracted = Files.createTempFile("nsps-sample-sim-updated-", ".json");
        try (InputStream in = Main.class.getClassLoader().getResourceAsStream("examples/events/sim-updated.json")) {
            if (in == null) {
                throw new IOException("the sample event is missing from the classpath");
            }
            Files.copy(in, extracted, StandardCopyOption.REPLACE_EXISTING);
        }
        extracted.toFile().deleteOnExit();
        return extracted;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nsps-connector " + io.nsps.connector.config.BuildInfo.current().describe()};
        }
    }
}

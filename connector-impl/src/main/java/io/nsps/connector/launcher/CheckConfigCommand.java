package io.nsps.connector.launcher;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.config.ConnectorConfig;
import io.nsps.connector.config.ConnectorConfigLoader;
import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.config.MisspeltSettings;
import io.nsps.connector.dispatch.HandlerRegistry;
import io.nsps.connector.dispatch.RegisteredHandler;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.UpstreamCredentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nsps-connector check-config}: the environment validated exactly as {@code serve} validates
 * it, the effective configuration printed with its secrets masked, then every enabled handler's
 * external system probed (its address resolved, a TCP connection, a TLS handshake for https; its
 * credentials obtained: a real grant for OAuth2, a signature for JWT) and the state store (a
 * connection and a query). Exit 0 when all is well; 2 with every problem listed otherwise. Nothing
 * is provisioned and nothing is written, so what only a real call can tell (an external system's
 * path, a static password or token it would refuse) is said to be left unchecked.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate the configuration as serve does, print it (secrets masked), and probe each handler's external system "
                + "(DNS, TCP, TLS, credentials) and the state store. Exit 0 when all is well, 2 with every problem listed.")
final class CheckConfigCommand implements Callable<Integer> {

    private static final int PROBE_TIMEOUT_MS = 5_000;
    /** Credentials sent as configured, which nothing but a real call to the external system can check. */
    private static final Set<String> STATIC_SCHEMES = Set.of("basic", "bearer");

    @ParentCommand
    private Main main;

    @Override
    public Integer call() {
        PrintWriter out = new PrintWriter(System.out, true);
        Map<String, String> env = main.env();
        List<String> problems = new ArrayList<>();
        ConnectorConfig config = null;
        Set<String> settingsRead = new java.util.HashSet<>();
        try {
            config = ConnectorConfigLoader.load(env);
            settingsRead.addAll(config.settingsRead());
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
            settingsRead.addAll(e.settingsRead());
        }
        List<RegisteredHandler> handlers = List.of();
        HandlerRegistry registry = null;
        try {
            registry = HandlerRegistry.discover(config != null ? config.handlersDir() : ConnectorConfigLoader.handlersDir(env));
            out.println(registry.folderSummary());
            handlers = registry.create(enabledNames(config, env), env, Clock.systemUTC(), new ConnectorMetrics());
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        if (config != null) {
            out.println("Configuration:");
            config.describe().forEach((name, value) -> out.println("  " + name + "=" + SecretMasker.mask(value)));
        }
        if (registry != null) {
            for (String name : enabledNames(config, env)) {
                settingsRead.addAll(registry.settingsRead(name).keySet());
            }
        }
        problems.addAll(MisspeltSettings.in(env, settingsRead));
        if (registry != null) {
            for (String name : enabledNames(config, env)) {
                Map<String, String> settings = new java.util.TreeMap<>(registry.settingsRead(name));
                if (!settings.isEmpty()) {
                    out.println("Handler " + name + ":");
                    settings.forEach((setting, value) -> out.println("  " + setting + "=" + SecretMasker.mask(value)));
                }
            }
        }
        for (RegisteredHandler handler : handlers) {
            for (URI endpoint : handler.handler().endpoints()) {
                report(out, problems, "handler " + handler.name() + ": " + endpoint, probe(endpoint));
            }
            report(out, problems, "handler " + handler.name() + ": credentials", credentials(handler));
        }
        if (config != null) {
            report(out, problems, "state store (" + config.state().kind().name().toLowerCase(java.util.Locale.ROOT) + ")", stateStore(config.state()));
        }
        handlers.forEach(RegisteredHandler::close);
        if (registry != null) {
            registry.close();
        }
        if (problems.isEmpty()) {
            out.println("All is well.");
            if (!handlers.isEmpty()) {
                out.println("(Not checked, since only a real call can tell: the external systems' paths, and static credentials.)");
            }
            return 0;
        }
        out.println(problems.size() + (problems.size() == 1 ? " problem:" : " problems:"));
        problems.forEach(problem -> out.println("  " + SecretMasker.mask(problem)));
        return Main.CONFIGURATION_ERROR;
    }

    private static List<String> enabledNames(ConnectorConfig config, Map<String, String> env) {
        return config != null ? config.handlers() : new EnvironmentReader(env, new ArrayList<>()).list("HANDLERS", List.of());
    }

    /** What a probe found: a line that says so, or the problem. */
    private record Probe(boolean ok, String text) {
        static Probe ok(String text) {
            return new Probe(true, text);
        }

        static Probe problem(String text) {
            return new Probe(false, text);
        }
    }

    private static void report(PrintWriter out, List<String> problems, String what, Probe probe) {
        String line = what + ": " + SecretMasker.mask(probe.text());
        out.println((probe.ok() ? "OK    " : "FAIL  ") + line);
        if (!probe.ok()) {
            problems.add(line);
        }
    }

    /** DNS, TCP, and TLS for https, with the JVM's trust store. */
    static Probe probe(URI endpoint) {
        String host = endpoint.getHost();
        if (host == null) {
            return Probe.problem("not an address with a host");
        }
        boolean tls = "https".equalsIgnoreCase(endpoint.getScheme());
        int port = endpoint.getPort() > 0 ? endpoint.getPort() : tls ? 443 : 80;
        InetAddress address;
        try {
            address = InetAddress.getAllByName(host)[0];
        } catch (UnknownHostException e) {
            return Probe.problem(host + " does not resolve (DNS)");
        }
        long started = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), PROBE_TIMEOUT_MS);
            long connectMs = (System.nanoTime() - started) / 1_000_000;
            if (!tls) {
                return Probe.ok(host + " resolves to " + address.getHostAddress() + "; TCP " + port + " connects (" + connectMs + " ms)");
            }
            socket.setSoTimeout(PROBE_TIMEOUT_MS);
            try (SSLSocket secure = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(socket, host, port, true)) {
                secure.startHandshake();
                return Probe.ok(host + " resolves to " + address.getHostAddress() + "; TCP " + port + " connects (" + connectMs + " ms); TLS "
                        + secure.getSession().getProtocol() + " with a trusted certificate");
            }
        } catch (javax.net.ssl.SSLException e) {
            return Probe.problem("TLS handshake with " + host + ":" + port + " failed (" + e.getMessage() + ")");
        } catch (java.net.SocketTimeoutException e) {
            return Probe.problem(host + ":" + port + " (" + address.getHostAddress() + ") does not answer within " + PROBE_TIMEOUT_MS + " ms");
        } catch (IOException e) {
            return Probe.problem(host + ":" + port + " (" + address.getHostAddress() + ") refuses the connection (" + e.getMessage() + ")");
        }
    }

    /** Credentials obtained as the first event would obtain them: an OAuth2 grant, a JWT signed. */
    private static Probe credentials(RegisteredHandler handler) {
        UpstreamCredentials credentials = handler.credentials();
        if ("none".equals(credentials.scheme())) {
            return Probe.ok("none configured");
        }
        if (STATIC_SCHEMES.contains(credentials.scheme())) {
            // Only the external system can tell a wrong password or token, on a real call.
            return Probe.ok(credentials.scheme() + ": configured, not verified (the external system checks it at the first event's call)");
        }
        try {
            String authorization = credentials.authorization();
            return Probe.ok(credentials.scheme() + ": " + (authorization == null ? "none" : "obtained ("
                    + authorization.substring(0, authorization.indexOf(' ') < 0 ? authorization.length() : authorization.indexOf(' ')) + " ...)"));
        } catch (HandlerException e) {
            return Probe.problem(credentials.scheme() + ": " + e.getMessage());
        }
    }

    /** The database answers a query (no migration: nothing is written). */
    private static Probe stateStore(ConnectorConfig.StateSettings state) {
        if (state.kind() == ConnectorConfig.StateStoreKind.MEMORY) {
            return Probe.ok("in memory; nothing to probe");
        }
        DriverManager.setLoginTimeout((int) Math.max(1, state.dbTimeout().toSeconds()));
        try (Connection connection = DriverManager.getConnection(state.dbUrl(), state.dbUser(),
                state.dbPassword() == null ? null : state.dbPassword().reveal())) {
            connection.createStatement().execute("select 1");
            return Probe.ok(state.dbUrl() + " answers as " + state.dbUser());
        } catch (SQLException e) {
            return Probe.problem(state.dbUrl() + " as " + state.dbUser() + ": " + e.getMessage());
        }
    }
}

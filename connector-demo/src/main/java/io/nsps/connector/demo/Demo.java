package io.nsps.connector.demo;

import io.nsps.connector.launcher.Main;
import io.nsps.connector.server.ConnectorServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code nsps-connector demo}: the connector with the {@code hlr-hss} handler provisioning an
 * in-process HLR/HSS simulator, and the {@code log} handler writing each event's summary, with no
 * configuration. Prints the URL, a token, a ready-to-paste {@code curl} that sends the shipped
 * sample event, and the {@code curl} that shows the subscriber state it produced. {@code PORT} and
 * {@code HOST} still apply.
 */
public final class Demo {

    /** The IMSI of the shipped sample event, whose state the demo shows. */
    static final String SAMPLE_IMSI = "255010000020349";

    private Demo() {
    }

    /** {@code nsps-connector demo ARGS}: the launcher's command, its help included. */
    public static void main(String[] args) {
        String[] command = new String[args.length + 1];
        command[0] = "demo";
        System.arraycopy(args, 0, command, 1, args.length);
        Main.main(command);
    }

    /** Runs the demo until SIGTERM or SIGINT (the launcher's {@code demo} command calls this); returns the exit code. */
    public static int run(Map<String, String> env) throws IOException {
        String token = newToken();
        String simulatorToken = newToken();
        String managementToken = newToken();
        try (HlrSimulator simulator = HlrSimulator.start(0, simulatorToken)) {
            Map<String, String> demoEnv = new HashMap<>(env);
            demoEnv.keySet().removeIf(name -> name.startsWith("HLR_") || name.startsWith("API_TOKEN"));
            demoEnv.put("API_TOKEN", token);
            demoEnv.put("AUTH_MODE", "static");
            // hlr-hss provisions the simulator; log writes each event's summary for the person watching.
            demoEnv.put("HANDLERS", "hlr-hss,log");
            demoEnv.put("HLR_API_URL", simulator.baseUrl().toString());
            demoEnv.put("HLR_AUTH", "bearer");
            demoEnv.put("HLR_TOKEN", simulatorToken);
            demoEnv.putIfAbsent("LOG_FORMAT", "text");
            demoEnv.putIfAbsent("HOST", "127.0.0.1");
            // The management port (MANAGEMENT_PORT, 8081 by default): metrics, and the journal of the demo's events.
            demoEnv.put("MANAGEMENT_TOKEN", managementToken);
            Path sample = Main.sampleEvent(env);
            // The launcher as the operator ran it (bin/nsps-connector in the release, ./nsps-connector in
            // the repository), so that the commands printed run as they are.
            String launcher = env.getOrDefault("NSPS_LAUNCHER", "nsps-connector");
            return Main.runUntilSignalled(demoEnv, server -> printInstructions(server, token, sample, simulator, simulatorToken,
                    managementToken, launcher));
        }
    }

    private static void printInstructions(ConnectorServer server, String token, Path sample, HlrSimulator simulator, String simulatorToken,
                                          String managementToken, String launcher) {
        PrintWriter out = new PrintWriter(System.out, true);
        out.println();
        out.println("NSPS connector demo is running: handlers hlr-hss (provisioning an embedded HLR/HSS simulator) and log.");
        out.println("  Events URL:    " + server.eventsUri());
        out.println("  Bearer token:  " + token);
        out.println("  HLR simulator: " + simulator.baseUrl() + " (its own token: " + simulatorToken + ")");
        out.println();
        out.println("Send a sample SIM/Updated event from another terminal:");
        out.println("  curl -sS -X POST '" + server.eventsUri() + "' \\");
        out.println("    -H 'Authorization: Bearer " + token + "' -H 'Content-Type: application/json' \\");
        out.println("    --data-binary @" + sample);
        out.println();
        out.println("Then see the subscriber state it produced in the HLR:");
        out.println("  curl -sS -H 'Authorization: Bearer " + simulatorToken + "' " + simulator.baseUrl() + "/subscribers/" + SAMPLE_IMSI);
        out.println();
        out.println("Health: curl -sS " + server.baseUri().resolve("/health"));
        server.managementUri().ifPresent(management -> {
            out.println("Metrics: curl -sS " + management.resolve("/metrics"));
            out.println("Journal: MANAGEMENT_TOKEN=" + managementToken + " " + launcher + " journal --url " + management);
        });
        out.println("Stop with Ctrl+C.");
        out.println();
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}

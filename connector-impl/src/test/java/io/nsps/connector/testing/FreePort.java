package io.nsps.connector.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A port for a test to give a connector ({@code PORT}, {@code MANAGEMENT_PORT}) or to leave closed.
 *
 * <p>Contract: the port is free when returned, and lies outside the kernel's ephemeral range. A
 * port from {@code new ServerSocket(0)} comes from that range, from which the kernel also takes the
 * source port of every outgoing connection and the port of every bind to 0 (the events port of a
 * test connector, started just before its management port): between the probe and the connector's
 * bind, one of those can take it, and the start fails with "Address already in use" (CI saw it).
 * Outside the range only a process that names the port can take it. No port is handed out twice
 * in one JVM.
 */
public final class FreePort {

    /** Where {@code /proc} does not say: Linux's lower bound, and every port above it (other systems hand out 49152-65535). */
    private static final int[] DEFAULT_EPHEMERAL = {32768, 65535};
    /** Below this, ports are the well-known and registered services' a machine may run. */
    private static final int LOWEST = 10_000;
    /** Handed out by this JVM: two picks of one test (PORT and MANAGEMENT_PORT) never coincide. */
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePort() {
    }

    public static int pick() {
        int[] ephemeral = ephemeralRange();
        int below = Math.max(0, ephemeral[0] - LOWEST);
        int above = Math.max(0, 65_535 - ephemeral[1]);
        if (below + above == 0) {
            // A kernel that hands out every port (ip_local_port_range 1024 65535): none is safe from the
            // race, so take the kernel's choice, as a test would without this helper.
            return inEphemeralRange();
        }
        for (int attempt = 0; attempt < 200; attempt++) {
            int n = ThreadLocalRandom.current().nextInt(below + above);
            int port = n < below ? LOWEST + n : ephemeral[1] + 1 + (n - below);
            if (free(port) && GIVEN.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port found outside the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
    }

    private static int inEphemeralRange() {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (ServerSocket probe = new ServerSocket(0)) {
                if (GIVEN.add(probe.getLocalPort())) {
                    return probe.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port found");
    }

    private static boolean free(int port) {
        // The wildcard address: a port taken on any address is not free for a connector on loopback either.
        try (ServerSocket probe = new ServerSocket(port)) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int[] ephemeralRange() {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (!Files.isReadable(range)) {
            return DEFAULT_EPHEMERAL;
        }
        try {
            // readAllLines, not readString: readString gives only the first character of this /proc file (Java 17 and 25).
            String[] bounds = Files.readAllLines(range).get(0).trim().split("\\s+");
            return new int[] {Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

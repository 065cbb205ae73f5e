package io.nsps.connector.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/** The connector as a separate JVM (the test classpath), for what only a real process shows: signals, exit codes, stdout. */
public final class ConnectorProcess implements AutoCloseable {

    private final Process process;
    private final Queue<String> output = new ConcurrentLinkedQueue<>();
    private final Thread reader;
    private final int port;

    private ConnectorProcess(Process process, int port) {
        this.process = process;
        this.port = port;
        this.reader = new Thread(this::drain, "connector-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs {@code Main <command>} with {@code env} (plus a free loopback PORT) and stdout and stderr merged. */
    public static ConnectorProcess start(String command, Map<String, String> env) throws IOException {
        return start(command, env, FreePort.pick());
    }

    /** The same, on a given port (to restart an instance where the sender expects it). */
    public static ConnectorProcess start(String command, Map<String, String> env, int port) throws IOException {
        return startMain("io.nsps.connector.launcher.Main", List.of(command), env, port);
    }

    /** Runs another main class of the test classpath (the demo's) the same way. */
    public static ConnectorProcess startMain(String mainClass, List<String> args, Map<String, String> env) throws IOException {
        return startMain(mainClass, args, env, FreePort.pick());
    }

    private static ConnectorProcess startMain(String mainClass, List<String> args, Map<String, String> env, int port) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("HOST", "127.0.0.1");
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("MANAGEMENT_PORT", "0");
        builder.environment().put("HANDLERS_DIR", "target/no-handlers-dir");
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        return new ConnectorProcess(builder.start(), port);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public List<String> output() {
        return List.copyOf(output);
    }

    /** SIGTERM through kill(1): Process.destroy() would also close our end of the child's output. */
    public void terminate() throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException("kill -TERM failed with " + exit);
        }
    }

    /** SIGKILL: no shutdown of any kind, as when a machine or container dies. */
    public void killHard() throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).start().waitFor();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits for the process to end and for its last output line to be read; null on timeout. */
    public Integer awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            return null;
        }
        reader.join(5000);
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private void drain() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}

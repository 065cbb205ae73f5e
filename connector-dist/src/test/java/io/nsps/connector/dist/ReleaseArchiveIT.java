package io.nsps.connector.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.MissingPrecondition;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as an operator gets it: unpacked into an empty folder, run from another
 * current folder with a {@code PATH} that has no Maven (only the few tools the launcher uses and
 * {@code JAVA_HOME}), it says its version, answers {@code /health} and an event, and stops on
 * SIGTERM with exit code 0.
 */
final class ReleaseArchiveIT {

    private static final Path ARCHIVE = Path.of(System.getProperty("release.archive"));
    private static final String VERSION = System.getProperty("release.version");
    private static final String TOKEN = "release-token-0123456789abcdef";

    @TempDir
    static Path work;
    private static Path home;
    private static Path path;

    @BeforeAll
    static void unpack() throws Exception {
        Path unpacked = Files.createDirectories(work.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "-xzf", ARCHIVE.toString(), "-C", unpacked.toString()).inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0).as("tar -xzf the release archive").isTrue();
        home = unpacked.resolve("nsps-connector-" + VERSION);
        // A PATH of the tools the launcher needs, without Maven (which /usr/bin holds on a build machine).
        path = Files.createDirectories(work.resolve("path"));
        for (String tool : List.of("bash", "env", "dirname", "readlink", "sed", "cat", "find", "rm")) {
            Path found = Stream.of("/usr/bin", "/bin").map(dir -> Path.of(dir, tool)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + tool));
            Files.createSymbolicLink(path.resolve(tool), found);
        }
    }

    @Test
    void theArchiveHoldsTheLauncherTheLibrariesAnEmptyHandlersFolderTheSamplesTheDocsAndAReadme() throws IOException {
        assertThat(home.resolve("bin/nsps-connector")).isExecutable();
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/nsps-connector"))).contains(PosixFilePermission.OTHERS_EXECUTE);
        assertThat(home.resolve("README.md")).isRegularFile();
        assertThat(home.resolve("handlers")).isDirectory().isEmptyDirectory();
        assertThat(home.resolve("samples/events/sim-updated.json")).isRegularFile();
        for (String doc : List.of("configuration.md", "operations.md", "behaviour.md", "deploy.md", "handlers.md")) {
            assertThat(home.resolve("docs").resolve(doc)).as("the README's docs/" + doc).isRegularFile();
        }
        List<String> jars;
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            jars = lib.map(jar -> jar.getFileName().toString()).sorted().toList();
        }
        assertThat(jars).contains("connector-impl-" + VERSION + ".jar", "handlers-builtin-" + VERSION + ".jar",
                "handlers-spi-" + VERSION + ".jar", "connector-demo-" + VERSION + ".jar", "api-spec-" + VERSION + ".jar");
        assertThat(jars).as("nothing of the tests").noneMatch(jar -> jar.startsWith("junit") || jar.startsWith("handlers-spi-testing")
                || jar.startsWith("assertj") || jar.startsWith("mockwebserver"));
    }

    @Test
    void versionSaysTheMavenVersionTheCommitAndTheBuildTime() throws Exception {
        Result version = launcher(List.of("--version"), Map.of());

        assertThat(version.exit).as(version.output).isZero();
        assertThat(version.output.strip()).matches("nsps-connector " + VERSION.replace(".", "\\.")
                + " \\(commit ([0-9a-f]{7,}|unknown)(\\+changes)?, built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)");
    }

    @Test
    void theClassDataArchiveItRecordsHoldsTheConnectorsClassesAndNotAnHttpClientOrTlsItNeverLoads() throws Exception {
        // A dynamic archive sits on the runtime's own, which the release's runtimes (Debian's, Temurin's) ship.
        assertThat(Path.of(System.getProperty("java.home"), "lib", "server", "classes.jsa"))
                .as("this Java runtime's own class-data archive, which the launcher's archive extends").isRegularFile();
        // The launcher records the archive on its first run in a writable lib/ (once: later runs reuse it).
        assertThat(launcher(List.of("--version"), Map.of()).exit).isZero();
        Path lib = home.resolve("lib");
        assertThat(lib.resolve("classes.jsa")).isRegularFile();
        // Recorded for this runtime (its folder and build) and this lib/ folder.
        String recordedFor = System.getProperty("java.home") + " " + System.getProperty("java.runtime.version") + " " + lib;
        assertThat(Files.readString(lib.resolve("classes.jsa.for")).strip()).isEqualTo(recordedFor);
        // A runtime upgraded in place (same folder, another build: an archive it cannot use) records it again.
        Files.writeString(lib.resolve("classes.jsa.for"), System.getProperty("java.home") + " 17.0.0+1-before-the-upgrade " + lib + "\n");
        FileTime before = Files.getLastModifiedTime(lib.resolve("classes.jsa"));
        assertThat(launcher(List.of("--version"), Map.of()).exit).isZero();
        assertThat(Files.readString(lib.resolve("classes.jsa.for")).strip()).isEqualTo(recordedFor);
        assertThat(Files.getLastModifiedTime(lib.resolve("classes.jsa"))).as("recorded again").isGreaterThan(before);

        // The JVM lists an archive's classes, with the flags and class path the launcher recorded it with.
        Process listing = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-Xmx512m", "-XX:SharedArchiveFile=" + lib.resolve("classes.jsa"), "-XX:+PrintSharedArchiveAndExit", "-cp", lib + "/*",
                "io.nsps.connector.launcher.Main").redirectErrorStream(true).start();
        String output = new String(listing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(listing.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("archive is valid").contains("Dynamic archive name");
        List<String> recorded = output.substring(output.indexOf("Dynamic archive name")).lines().toList();

        assertThat(recorded).anyMatch(line -> line.contains(" io.nsps.connector.launcher.ConnectorApplication "))
                .anyMatch(line -> line.contains(" io.nsps.connector.handlers.hlr.HlrHssHandler "));
        // A start maps the archive and touches it whole: classes a serving connector with an http
        // upstream never loads (java.net.http's client, TLS) are resident memory for nothing.
        assertThat(recorded).noneMatch(line -> line.contains(" jdk.internal.net.http.") || line.contains(" sun.security.ssl."));
    }

    @Test
    void unpackedAnywhereItServesFromAnotherFolderWithoutMavenAndStopsOnSigterm() throws Exception {
        servesAnEventAndStopsOnSigterm(Map.of());
    }

    /** The journal command the demo prints runs as printed, from where the operator ran the demo. */
    @Test
    void theDemosPrintedJournalCommandRunsAsPrinted() throws Exception {
        Map<String, String> env = Map.of("PORT", Integer.toString(FreePort.pick()), "MANAGEMENT_PORT", Integer.toString(FreePort.pick()));
        Process demo = inHome(List.of("bin/nsps-connector", "demo"), env);
        List<String> output = drain(demo);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> output.stream().anyMatch(line -> line.contains("Stop with Ctrl+C")));
            String journal = output.stream().filter(line -> line.startsWith("Journal: ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no journal command in: " + output)).substring("Journal: ".length());
            assertThat(journal).contains(" bin/nsps-connector journal --url http://");

            Process run = inHome(List.of("bash", "-c", journal), Map.of());
            String printed = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(journal + "\n" + printed).isZero();
        } finally {
            demo.destroy();
            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void onJava25ItRecordsAnAheadOfTimeCacheStartsOnItAndWritesOnlyItsOwnLines() throws Exception {
        // A runtime the release may meet, and the image's where cold starts are billed (docs/deploy.md):
        // Java 25 records an ahead-of-time cache (JEP 514) where Java 17 records a dynamic archive.
        Path java25 = java25Home();
        Path lib = home.resolve("lib");
        Path recordedFor = lib.resolve("classes.aot.for");

        // A training run that records nothing (here the cache's assembly, a second JVM, refuses a
        // flag: the training JVM still exits 0) is not retried at every start.
        Result failing = launcher(List.of("--version"), Map.of("JAVA_HOME", java25.toString(), "JDK_AOT_VM_OPTIONS", "-XX:NoSuchFlag"));
        assertThat(failing.exit).as(failing.output).isZero();
        assertThat(lib.resolve("classes.aot")).doesNotExist();
        assertThat(lib.resolve("classes.aot.config")).as("the assembly's input, removed").doesNotExist();
        assertThat(Files.readString(recordedFor).strip()).endsWith(" failed");
        FileTime failedAt = Files.getLastModifiedTime(recordedFor);
        assertThat(launcher(List.of("--version"), Map.of("JAVA_HOME", java25.toString())).exit).isZero();
        assertThat(Files.getLastModifiedTime(recordedFor)).as("no second training run").isEqualTo(failedAt);
        assertThat(lib.resolve("classes.aot")).doesNotExist();
        Files.delete(recordedFor);

        Map<String, String> onJava25 = Map.of("JAVA_HOME", java25.toString());
        Result version = launcher(List.of("--version"), onJava25);
        assertThat(version.exit).as(version.output).isZero();
        assertThat(lib.resolve("classes.aot")).isRegularFile();
        assertThat(Files.readString(recordedFor).strip()).as("the runtime it was recorded for, folder and build, and lib/")
                .startsWith(java25 + " " + majorVersion(java25) + ".").endsWith(" " + lib);

        // -XX:AOTMode=on stops the JVM when it cannot use the cache. Nothing but the version on
        // standard output or error: no JVM warning (Java 24's on sun.misc.Unsafe, say).
        Result required = launcher(List.of("--version"), Map.of("JAVA_HOME", java25.toString(), "JAVA_OPTS", "-XX:AOTMode=on"));
        assertThat(required.exit).as(required.output).isZero();
        assertThat(required.output).isEqualTo(version.output).startsWith("nsps-connector " + VERSION + " (commit ").hasLineCount(1);
        // An operator's own class-sharing options, which Java 25 refuses beside -XX:AOTCache, win
        // over the cache, however they are separated and wherever they are set.
        for (Map<String, String> own : List.of(Map.of("JAVA_OPTS", "-Xmx256m\t-Xshare:off"), Map.of("JAVA_OPTS", "-Xshare:on"),
                Map.of("JDK_JAVA_OPTIONS", "-Xshare:off"))) {
            Map<String, String> settings = new HashMap<>(own);
            settings.put("JAVA_HOME", java25.toString());
            Result withOwnSharing = launcher(List.of("--version"), settings);
            assertThat(withOwnSharing.exit).as(own + ": " + withOwnSharing.output).isZero();
        }

        servesAnEventAndStopsOnSigterm(Map.of("JAVA_HOME", java25.toString(), "JAVA_OPTS", "-XX:AOTMode=on"));
    }

    /** The newest Java 25 or later runtime of this machine's (its kind has Temurin's beside the default JDK). */
    @Test
    void theSystemdUnitItShipsVerifiesAgainstTheUnpackedReleaseWithEveryKeyKnown() throws Exception {
        Path analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of).filter(Files::isExecutable)
                .findFirst().orElse(null);
        if (analyze == null) {
            MissingPrecondition.skipOrFail("systemd-analyze (Debian package systemd) is not installed");
            return;
        }
        Path etc = Files.createDirectories(work.resolve("etc-nsps-connector"));
        Files.copy(home.resolve("systemd/nsps-connector.env"), etc.resolve("nsps-connector.env"));
        Files.writeString(etc.resolve("api-token"), TOKEN);
        Path units = Files.createDirectories(work.resolve("units"));
        String unit = Files.readString(home.resolve("systemd/nsps-connector.service"))
                .replace("/opt/nsps-connector", home.toString()).replace("/etc/nsps-connector", etc.toString());
        Files.writeString(units.resolve("nsps-connector.service"), unit);

        Process verify = new ProcessBuilder(analyze.toString(), "verify", units.resolve("nsps-connector.service").toString())
                .redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(output).isZero();
        assertThat(output).as("no unknown key, no missing file").isBlank();
    }

    private static Path java25Home() throws IOException {
        List<Path> runtimes;
        try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            runtimes = jvms.filter(jvm -> Files.isExecutable(jvm.resolve("bin/java")) && majorVersion(jvm) >= 25)
                    .sorted(java.util.Comparator.comparingInt(ReleaseArchiveIT::majorVersion)).toList();
        } catch (java.nio.file.NoSuchFileException e) {
            runtimes = List.of();
        }
        if (runtimes.isEmpty()) {
            String why = "no Java 25 or later runtime under /usr/lib/jvm (Temurin's, or Debian's openjdk-25-jre-headless)";
            MissingPrecondition.skipOrFail(why);
        }
        return runtimes.get(runtimes.size() - 1);
    }

    /** The feature version in a runtime's release file (25 of "25.0.3"), 0 when it does not say. */
    private static int majorVersion(Path jvm) {
        try {
            return Files.readAllLines(jvm.resolve("release")).stream().filter(line -> line.startsWith("JAVA_VERSION=\""))
                    .map(line -> line.substring("JAVA_VERSION=\"".length()).replaceFirst("[^0-9].*", ""))
                    .filter(digits -> !digits.isEmpty()).mapToInt(Integer::parseInt).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The unpacked release serves from another folder, without Maven, with {@code env} added. */
    private static void servesAnEventAndStopsOnSigterm(Map<String, String> env) throws Exception {
        int port = FreePort.pick();
        Map<String, String> settings = new HashMap<>(Map.of("API_TOKEN", TOKEN, "HANDLERS", "log", "PORT", Integer.toString(port), "HOST", "127.0.0.1"));
        settings.putAll(env);
        Process connector = start(List.of(), settings);
        List<String> output = drain(connector);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                client.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);

        HttpResponse<String> health = client.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> event = client.send(HttpRequest.newBuilder(base.resolve("/process-event"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofFile(home.resolve("samples/events/sim-updated.json"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(event.statusCode()).as(event.body()).isEqualTo(202);
        JsonNode healthBody = new ObjectMapper().readTree(health.body());
        assertThat(healthBody.path("status").asText()).isEqualTo("ok");
        assertThat(healthBody.path("version").asText()).startsWith(VERSION + " (commit ");
        assertThat(output).anySatisfy(line -> assertThat(line).contains("Connector " + VERSION + " (commit").contains("listening on"));
        assertThat(output).anySatisfy(line -> assertThat(line).contains("Handlers folder " + home.resolve("handlers")));

        assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(connector.pid())).start().waitFor()).isZero();
        assertThat(connector.waitFor(30, TimeUnit.SECONDS)).as("stopped within the grace period").isTrue();
        assertThat(connector.exitValue()).isZero();
    }

    private record Result(int exit, String output) {
    }

    private static Result launcher(List<String> args, Map<String, String> env) throws Exception {
        Process process = start(args, env);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    /** bin/nsps-connector, from a current folder of its own, with only JAVA_HOME and the PATH above. */
    private static Process start(List<String> args, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/nsps-connector").toString()));
        command.addAll(args);
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(elsewhere.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("PATH", path.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        assertThat(path.resolve("mvn")).as("no Maven on the launcher's PATH").doesNotExist();
        return builder.start();
    }

    /** {@code command} from the release's own folder, as an operator who unpacked it types it there. */
    private static Process inHome(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("PATH", path.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        return builder.start();
    }

    private static List<String> drain(Process process) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (var in = process.inputReader(StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "connector-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}

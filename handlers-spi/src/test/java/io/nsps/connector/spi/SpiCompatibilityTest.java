package io.nsps.connector.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.model.Event;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the SPI promises across versions, checked as Trino's TestSpiBackwardCompatibility does: the
 * public signatures of the SPI and of the models it exposes are compared with the committed
 * baseline, {@code src/test/resources/spi-signatures.txt}. A signature removed or changed fails
 * the build and is named (a handler compiled against the previous version would break); one added
 * fails until the baseline is updated in the same change, so every addition is seen in review. To
 * write the baseline after a deliberate change: {@code mvn -pl handlers-spi -am test
 * -Dspi.signatures.update=true}.
 */
final class SpiCompatibilityTest {

    static final Path BASELINE = Path.of("src/test/resources/spi-signatures.txt");

    @TempDir
    Path work;

    @Test
    void theSpiKeepsEverySignatureOfTheBaselineAndAddsNoneUnseen() throws IOException {
        SortedSet<String> current = SpiSignatures.of(List.of(location(HandlerFactory.class), location(Event.class)));
        if (Boolean.getBoolean("spi.signatures.update")) {
            Files.write(BASELINE, current, StandardCharsets.UTF_8);
        }

        List<String> problems = compare(baseline(), current);

        assertThat(problems).as("SPI compatibility against %s", BASELINE).isEmpty();
    }

    @Test
    void removingAMethodFromTheSpiFailsTheCheckAndNamesIt() throws IOException {
        Path classes = compileSpiWithout("HandlerContext.java", "tracingHeaders");

        // Against the SPI as built now, not the baseline: a change that the baseline has not caught up
        // with yet fails the test above, not this one.
        SortedSet<String> built = SpiSignatures.of(List.of(location(HandlerFactory.class), location(Event.class)));
        List<String> problems = compare(built, SpiSignatures.of(List.of(classes, location(Event.class))));

        assertThat(problems).singleElement().asString()
                .contains("removed or changed")
                .contains("public default java.util.Map<java.lang.String, java.lang.String> io.nsps.connector.spi.HandlerContext.tracingHeaders()");
    }

    /** Every difference, as a sentence that says what to do. */
    static List<String> compare(SortedSet<String> baseline, SortedSet<String> current) {
        List<String> problems = new ArrayList<>();
        SortedSet<String> removed = new TreeSet<>(baseline);
        removed.removeAll(current);
        SortedSet<String> added = new TreeSet<>(current);
        added.removeAll(baseline);
        if (!removed.isEmpty()) {
            problems.add("SPI signatures removed or changed (a handler compiled against the previous version would fail to load or"
                    + " link): in handlers-spi, keep them and add new ones beside them. In the models (io.nsps.connector.model),"
                    + " generated from api-spec, they follow NSPS's document: if NSPS did remove or change them, update the baseline"
                    + " (mvn -pl handlers-spi -am test -Dspi.signatures.update=true) and tell vendors, whose handlers must be"
                    + " rebuilt:\n  " + String.join("\n  ", removed));
        }
        if (!added.isEmpty()) {
            problems.add("SPI signatures added: put them into " + BASELINE + " in this change (mvn -pl handlers-spi -am test"
                    + " -Dspi.signatures.update=true):\n  " + String.join("\n  ", added));
        }
        return problems;
    }

    private static SortedSet<String> baseline() throws IOException {
        return new TreeSet<>(Files.readAllLines(BASELINE, StandardCharsets.UTF_8).stream().filter(line -> !line.isBlank()).toList());
    }

    /** The SPI's sources compiled again with one method taken out of one file (from its javadoc to its closing brace). */
    private Path compileSpiWithout(String file, String method) throws IOException {
        Path sources = Path.of("src/main/java/io/nsps/connector/spi");
        Path copy = Files.createDirectories(work.resolve("src/io/nsps/connector/spi"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", work.resolve("classes").toString(),
                "-classpath", location(Event.class).toString()));
        try (Stream<Path> files = Files.list(sources)) {
            for (Path source : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                String code = Files.readString(source);
                if (source.getFileName().toString().equals(file)) {
                    int name = code.indexOf(" " + method + "(");
                    int start = code.lastIndexOf("/**", name);
                    int end = code.indexOf("\n    }\n", name) + "\n    }\n".length();
                    code = code.substring(0, start) + code.substring(end);
                }
                Path target = copy.resolve(source.getFileName());
                Files.writeString(target, code);
                args.add(target.toString());
            }
        }
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new))).isZero();
        return work.resolve("classes");
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

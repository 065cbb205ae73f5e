package io.nsps.connector.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/** Compiles Java sources at test time and packs them as a jar: vendor handlers and their libraries, built as a vendor would. */
public final class JarBuilder {

    private final Path work;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<String> classpath = new ArrayList<>();
    private final Map<String, String> resources = new LinkedHashMap<>();
    private String serviceProvider;

    private JarBuilder(Path work) {
        this.work = work;
    }

    /** A jar built in a scratch folder under {@code work}. */
    public static JarBuilder in(Path work) {
        return new JarBuilder(work);
    }

    /** A source file, named by its class's binary name ({@code com.vendor.Factory}). */
    public JarBuilder source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** Compiles against these jars or folders (the SPI jar, a library) besides the JDK. */
    public JarBuilder classpath(String... entries) {
        classpath.addAll(List.of(entries));
        return this;
    }

    /** Registers this class as the jar's {@code HandlerFactory} in {@code META-INF/services}. */
    public JarBuilder handlerFactory(String className) {
        this.serviceProvider = className;
        return this;
    }

    /** A file of the jar besides the classes ({@code META-INF/maven/g/a/pom.properties}). */
    public JarBuilder resource(String name, String content) {
        resources.put(name, content);
        return this;
    }

    public Path build(Path jar) throws IOException {
        Path scratch = Files.createTempDirectory(work, "jar-");
        Path src = Files.createDirectories(scratch.resolve("src"));
        Path classes = Files.createDirectories(scratch.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString()));
        if (!classpath.isEmpty()) {
            args.addAll(List.of("-classpath", String.join(java.io.File.pathSeparator, classpath)));
        }
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        int result = ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new));
        assertThat(result).as("%s compiles", sources.keySet()).isZero();

        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
            for (Map.Entry<String, String> resource : resources.entrySet()) {
                out.putNextEntry(new JarEntry(resource.getKey()));
                out.write(resource.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            if (serviceProvider != null) {
                out.putNextEntry(new JarEntry("META-INF/services/io.nsps.connector.spi.HandlerFactory"));
                out.write((serviceProvider + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Where a class of the test classpath comes from (a jar, or a classes folder). */
    public static String locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

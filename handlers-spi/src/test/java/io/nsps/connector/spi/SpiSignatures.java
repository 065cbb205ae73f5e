package io.nsps.connector.spi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public surface of the SPI and of the models it hands over, one line per public or protected
 * type, constructor, method and field, in the form {@code toGenericString} gives (modifiers,
 * generic types, exceptions), sorted: what a handler compiled against this version may use. Read
 * from class files in folders or jars, through a class loader of their own.
 */
final class SpiSignatures {

    /** The packages the SPI promises. */
    static final List<String> PACKAGES = List.of("io.nsps.connector.spi", "io.nsps.connector.model");

    private SpiSignatures() {
    }

    static TreeSet<String> of(List<Path> roots) {
        TreeSet<String> lines = new TreeSet<>();
        URL[] urls = roots.stream().map(SpiSignatures::url).toArray(URL[]::new);
        try (URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            for (String className : classNames(roots)) {
                Class<?> type = Class.forName(className, false, loader);
                if (isVisible(type.getModifiers()) && (type.getEnclosingClass() == null || isVisible(type.getEnclosingClass().getModifiers()))) {
                    describe(type, lines);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return lines;
    }

    private static void describe(Class<?> type, TreeSet<String> lines) {
        String supertypes = Stream.concat(Stream.ofNullable(type.getGenericSuperclass()), Arrays.stream(type.getGenericInterfaces()))
                .map(Type::getTypeName).filter(name -> !name.equals("java.lang.Object")).collect(Collectors.joining(", "));
        String permits = type.isSealed() ? " permits " + Arrays.stream(type.getPermittedSubclasses()).map(Class::getName).sorted()
                .collect(Collectors.joining(", ")) : "";
        lines.add(type.toGenericString() + (supertypes.isEmpty() ? "" : " : " + supertypes) + permits);
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            if (isVisible(constructor.getModifiers()) && !constructor.isSynthetic()) {
                lines.add(constructor.toGenericString());
            }
        }
        for (Method method : type.getDeclaredMethods()) {
            if (isVisible(method.getModifiers()) && !method.isSynthetic() && !method.isBridge()) {
                lines.add(method.toGenericString());
            }
        }
        for (Field field : type.getDeclaredFields()) {
            if (isVisible(field.getModifiers()) && !field.isSynthetic()) {
                lines.add(field.toGenericString());
            }
        }
    }

    private static boolean isVisible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static List<String> classNames(List<Path> roots) throws IOException {
        List<String> names = new ArrayList<>();
        for (Path root : roots) {
            if (Files.isDirectory(root)) {
                names.addAll(classNamesUnder(root));
            } else {
                try (FileSystem jar = FileSystems.newFileSystem(root)) {
                    names.addAll(classNamesUnder(jar.getPath("/")));
                }
            }
        }
        return names;
    }

    private static List<String> classNamesUnder(Path root) throws IOException {
        List<String> names = new ArrayList<>();
        for (String pkg : PACKAGES) {
            Path dir = root.resolve(pkg.replace('.', '/'));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".class") && !name.equals("package-info.class"))
                        .map(name -> pkg + "." + name.substring(0, name.length() - ".class".length()))
                        .forEach(names::add);
            }
        }
        return names;
    }

    private static URL url(Path path) {
        try {
            return path.toUri().toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

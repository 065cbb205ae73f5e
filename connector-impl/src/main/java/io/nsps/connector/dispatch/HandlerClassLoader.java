package io.nsps.connector.dispatch;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one vendor handler (one jar, or one sub-folder of jars, of the handlers
 * folder), as Trino loads its plugins: the handler's own classes and libraries come from its own
 * jars, whatever the connector or another handler uses (its own Jackson, Feign or OkHttp
 * version); the JDK from the platform loader; and only the packages the SPI is made of from the
 * connector: the SPI, the event models it hands over, the Jackson annotations those models carry,
 * and the SLF4J API (so that what a handler and its libraries log through SLF4J is written by the
 * connector, masked and with the event's tracing ids, instead of nowhere). A handler cannot reach
 * Jersey, Grizzly or the connector's own classes: loading one is a {@link ClassNotFoundException}.
 */
final class HandlerClassLoader extends URLClassLoader {

    /**
     * The packages shared with the connector: the SPI, its models, the annotations they carry, and
     * SLF4J's API (not its bridges or bindings), nothing more.
     */
    static final List<String> SHARED_PACKAGES = List.of("io.nsps.connector.spi", "io.nsps.connector.model",
            "com.fasterxml.jackson.annotation", "org.slf4j", "org.slf4j.spi", "org.slf4j.event", "org.slf4j.helpers");

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader spiLoader;

    HandlerClassLoader(String name, URL[] jars, ClassLoader spiLoader) {
        super(name, jars, ClassLoader.getPlatformClassLoader());
        this.spiLoader = spiLoader;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return spiLoader.loadClass(name);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                try {
                    loaded = getParent().loadClass(name); // the JDK: java.*, java.net.http, ...
                } catch (ClassNotFoundException notInTheJdk) {
                    loaded = findClass(name);
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        // The handler's own resources first, then the JDK's; never the connector's (so its
        // META-INF/services lines name its own factories only).
        List<URL> own = Collections.list(findResources(name));
        own.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(own);
    }

    static boolean isShared(String className) {
        int lastDot = className.lastIndexOf('.');
        String packageName = lastDot < 0 ? "" : className.substring(0, lastDot);
        return SHARED_PACKAGES.contains(packageName);
    }
}

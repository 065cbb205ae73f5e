package io.nsps.connector.feign;

import java.io.IOException;
import java.net.Socket;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * TLS from the JVM's default context (so the {@code javax.net.ssl.*} system properties apply;
 * hostname verification on), built once for every client, when the first client of an https URL
 * is built ({@link #prepare}: a broken trust or key store then stops start-up) or at the first https
 * connection otherwise: building it reads the trusted certificates and loads ~180 classes, ~70 ms
 * of a start's critical path (docs/performance.md), for nothing when systems are called over http.
 */
final class DefaultTls implements TlsSocketStrategy {

    static final DefaultTls INSTANCE = new DefaultTls();

    private volatile TlsSocketStrategy strategy;

    private DefaultTls() {
    }

    /** Builds the context now, for a client of an https URL. */
    void prepare() {
        try {
            strategy();
        } catch (SSLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context) throws IOException {
        return strategy().upgrade(socket, target, port, attachment, context);
    }

    private TlsSocketStrategy strategy() throws SSLException {
        TlsSocketStrategy built = strategy;
        if (built == null) {
            synchronized (this) {
                built = strategy;
                if (built == null) {
                    try {
                        built = new DefaultClientTlsStrategy(SSLContext.getDefault());
                    } catch (NoSuchAlgorithmException e) {
                        // Reported as any TLS failure: the system is unreachable over TLS (503).
                        // (NoSuchAlgorithmException's own text is "Error constructing implementation": the cause says why.)
                        throw new SSLException("no default TLS context: " + (e.getCause() != null ? e.getCause() : e), e);
                    }
                    strategy = built;
                }
            }
        }
        return built;
    }
}

package io.nsps.connector.feign;

import java.io.IOException;
import java.net.URISyntaxException;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;

/**
 * The pooled client as feign-hc5's {@code ApacheHttp5Client} sees it: every request it sends is
 * bound to the deadline of the call being made on this thread ({@link CallContext#sending}),
 * then executed by the pooled client on this same thread.
 */
final class DeadlineHttpClient extends CloseableHttpClient {

    private final CloseableHttpClient pooled;

    DeadlineHttpClient(CloseableHttpClient pooled) {
        this.pooled = pooled;
    }

    @Override
    protected CloseableHttpResponse doExecute(HttpHost target, ClassicHttpRequest request, HttpContext context) throws IOException {
        HttpUriRequestBase abortable = abortable(request);
        CallContext.sending(abortable);
        return CloseableHttpResponse.adapt(pooled.executeOpen(target, abortable, context));
    }

    /**
     * The request as one HttpClient can abort: {@code ApacheHttp5Client} builds a plain
     * {@code BasicClassicHttpRequest}, which it cannot (only an {@link HttpUriRequestBase} is told
     * its connection, and closes it when cancelled).
     */
    private static HttpUriRequestBase abortable(ClassicHttpRequest request) throws ClientProtocolException {
        if (request instanceof HttpUriRequestBase abortable) {
            return abortable;
        }
        try {
            HttpUriRequestBase abortable = new HttpUriRequestBase(request.getMethod(), request.getUri());
            abortable.setHeaders(request.getHeaders());
            abortable.setEntity(request.getEntity());
            return abortable;
        } catch (URISyntaxException e) {
            throw new ClientProtocolException(e.getMessage(), e);
        }
    }

    @Override
    public void close(CloseMode closeMode) {
        pooled.close(closeMode);
    }

    @Override
    public void close() throws IOException {
        pooled.close();
    }
}

package io.nsps.connector.feign;

import com.fasterxml.jackson.databind.ObjectMapper;
import feign.FeignException;
import feign.Response;
import feign.codec.DecodeException;
import feign.codec.Decoder;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;

/**
 * Decodes a 2xx body with Jackson, reading at most {@link #MAX_BODY} bytes: a misbehaving upstream
 * sending megabytes of garbage costs nothing but a failed call.
 */
public final class BoundedJacksonDecoder implements Decoder {

    /** The largest answer read, in bytes. */
    public static final int MAX_BODY = 64 * 1024;

    private final ObjectMapper mapper;

    public BoundedJacksonDecoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public Object decode(Response response, Type type) throws IOException, FeignException {
        if (response.body() == null) {
            return null;
        }
        byte[] body;
        try (InputStream in = response.body().asInputStream()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            throw new DecodeException(response.status(), "the answer exceeds " + MAX_BODY + " bytes", response.request());
        }
        if (body.length == 0) {
            return null;
        }
        try {
            return mapper.readValue(body, mapper.constructType(type));
        } catch (IOException e) {
            throw new DecodeException(response.status(), "the answer is not the expected JSON", response.request(), e);
        }
    }
}

package io.nsps.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Every form a registered secret can travel in is masked, and forgotten with it. */
final class SecretMaskerTest {

    @Test
    void basicCredentialsAreMaskedAsHeaderAsBase64WithAndWithoutPaddingAndAsUserColonPassword() {
        String pair = "masker-user:masker-pass-1";
        String base64 = Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        assertThat(base64).endsWith("=");
        SecretMasker.register("Basic " + base64);

        assertThat(SecretMasker.mask("header Basic " + base64)).isEqualTo("header ****");
        assertThat(SecretMasker.mask("bare " + base64)).isEqualTo("bare ****");
        assertThat(SecretMasker.mask("unpadded " + base64.replace("=", "") + ".")).isEqualTo("unpadded ****.");
        assertThat(SecretMasker.mask("decoded " + pair)).isEqualTo("decoded ****");

        SecretMasker.unregister("Basic " + base64);
        assertThat(SecretMasker.mask(base64)).isEqualTo(base64);
    }

    @Test
    void credentialsWrittenIntoAUrlAreMaskedWithoutBeingKnown() {
        assertThat(SecretMasker.mask("HLR_API_URL: 'http://url-user:url-pass-77@hlr.example:3001/wtl' is not an http(s) URL"))
                .isEqualTo("HLR_API_URL: 'http://****@hlr.example:3001/wtl' is not an http(s) URL");
        assertThat(SecretMasker.mask("Connect to https://only-a-user@idp.example/token failed"))
                .isEqualTo("Connect to https://****@idp.example/token failed");
        assertThat(SecretMasker.mask("http://hlr.example/lines/someone@example.org and ops@example.org"))
                .as("an @ in a path or outside a URL is not user information")
                .isEqualTo("http://hlr.example/lines/someone@example.org and ops@example.org");
    }

    @Test
    void bearerTokensAndSignedJwtsAreMaskedBare() {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtYXNrZXIifQ.c2lnbmF0dXJl";
        SecretMasker.register("Bearer " + jwt);

        assertThat(SecretMasker.mask("token=" + jwt + ";")).isEqualTo("token=****;");
        SecretMasker.unregister("Bearer " + jwt);
    }

    @Test
    void aCredentialInAUrlsQueryIsMaskedKnownOrNot() {
        assertThat(SecretMasker.mask("STATE_DB_URL=jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=UrlDbPw55&ssl=true"))
                .isEqualTo("STATE_DB_URL=jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=****&ssl=true");
        assertThat(SecretMasker.mask("jdbc:postgresql://db/x?sslpassword=KeyPw1;PASSWORD=Pw2 failed"))
                .isEqualTo("jdbc:postgresql://db/x?sslpassword=****;PASSWORD=**** failed");
        assertThat(SecretMasker.mask("GET https://idp.example/cb?code=abc&access_token=tok-123#x"))
                .isEqualTo("GET https://idp.example/cb?code=abc&access_token=****#x");
        assertThat(SecretMasker.mask("https://hlr.example/lines?user=nsps&page=2 and password=plain outside a URL's query"))
                .as("other parameters, and text that is not a URL's query, stay")
                .isEqualTo("https://hlr.example/lines?user=nsps&page=2 and password=plain outside a URL's query");
    }

    @Test
    void urlEncodedFormsAreMaskedToo() {
        String secret = "client secret/with+symbols=1";
        SecretMasker.register(secret);

        assertThat(SecretMasker.mask("client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8) + "&grant_type=x"))
                .isEqualTo("client_secret=****&grant_type=x");
        SecretMasker.unregister(secret);
    }

    @Test
    void valuesShorterThanTheMinimumAreNotMasked() {
        SecretMasker.register("abc");

        assertThat(SecretMasker.mask("abcdef")).isEqualTo("abcdef");
    }
}

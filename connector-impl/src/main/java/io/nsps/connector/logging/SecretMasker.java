package io.nsps.connector.logging;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Pattern;

/**
 * The set of secret values known to this process (inbound tokens, handlers' credentials, tokens
 * obtained), in every form they travel in. Every log line, and every answer's text, passes through
 * {@link #mask} before it is written, so a secret that reaches a message by accident (an exception
 * message, an upstream's error text that echoes it, a library's debug output) is still never written.
 *
 * <p>The forms of a registered value: itself; without its {@code Bearer } or {@code Basic } scheme
 * (a bare access token, a signed JWT, the base64 of {@code user:password}); that base64 without its
 * padding; and each of these URL-encoded where that differs (a form body, a query). Besides them,
 * within any text that holds a URL, known or not: the user information ({@code http://user:password@host})
 * and the value of a query parameter that carries a credential ({@code ?user=nsps&password=...}, as
 * a JDBC URL may, or {@code access_token=...}).
 */
public final class SecretMasker {

    static final String MASK = "****";
    /** Shorter values would mask ordinary words; the connector's own token must be at least 16 characters. */
    public static final int MIN_LENGTH = 4;

    /** The user information of a URL: what follows its {@code ://} up to an {@code @}, within its authority. */
    private static final Pattern URL_USER_INFO = Pattern.compile("(?<=://)[^/?#\\s@'\"]+@");
    /** A credential's value in a query: a parameter named for one (any case, any prefix such as {@code ssl}). */
    private static final Pattern QUERY_CREDENTIAL = Pattern.compile(
            "(?i)(?<=[?&;][a-z0-9_.-]{0,32}(?:password|passwd|pwd|secret|token|api[_-]?key)=)[^&;#\\s'\"]+");
    /** Longest first, so that a secret is masked whole rather than around a shorter form of it. */
    private static final Set<String> SECRETS = new ConcurrentSkipListSet<>(
            Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));

    private SecretMasker() {
    }

    public static void register(String secret) {
        for (String form : forms(secret)) {
            SECRETS.add(form);
        }
    }

    /** For rotating credentials: a replaced token is no longer carried by anything the process logs. */
    public static void unregister(String secret) {
        for (String form : forms(secret)) {
            SECRETS.remove(form);
        }
    }

    /** Every form of {@code secret} that is long enough to be masked. */
    static List<String> forms(String secret) {
        List<String> forms = new ArrayList<>(4);
        if (secret == null) {
            return forms;
        }
        List<String> bare = new ArrayList<>(3);
        bare.add(secret);
        for (String scheme : new String[] {"Bearer ", "Basic "}) {
            if (secret.regionMatches(true, 0, scheme, 0, scheme.length())) {
                String credentials = secret.substring(scheme.length()).trim();
                bare.add(credentials);
                if (scheme.equals("Basic ")) {
                    bare.add(credentials.replaceAll("=+$", ""));
                    bare.add(decodedBasic(credentials));
                }
            }
        }
        for (String form : bare) {
            if (form != null && form.length() >= MIN_LENGTH) {
                forms.add(form);
                String urlEncoded = URLEncoder.encode(form, StandardCharsets.UTF_8);
                if (!urlEncoded.equals(form)) {
                    forms.add(urlEncoded);
                }
            }
        }
        return forms;
    }

    /** The {@code user:password} of Basic credentials, or null when they do not decode. */
    private static String decodedBasic(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        // Credentials written into a URL (http://user:password@host, refused as a setting but quoted
        // by the refusal, a JDBC URL's password parameter, or a library's message) are masked whether
        // or not they are known.
        String masked = text;
        if (text.contains("://")) {
            if (masked.indexOf('@') >= 0) {
                masked = URL_USER_INFO.matcher(masked).replaceAll(MASK + "@");
            }
            if (masked.indexOf('=') >= 0) {
                masked = QUERY_CREDENTIAL.matcher(masked).replaceAll(MASK);
            }
        }
        if (SECRETS.isEmpty()) {
            return masked;
        }
        for (String secret : SECRETS) {
            if (masked.contains(secret)) {
                masked = masked.replace(secret, MASK);
            }
        }
        return masked;
    }
}

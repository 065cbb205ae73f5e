package io.nsps.connector.spi;


/**
 * Creates one kind of {@link EventHandler}. Implementations need a public no-argument constructor
 * and a line in {@code META-INF/services/io.nsps.connector.spi.HandlerFactory}.
 *
 * <p>The connector calls {@link #create} once, at start-up, on the main thread, and only for the
 * handlers enabled by the {@code HANDLERS} setting. A factory must not start threads or open
 * connections before {@code create} is called.
 */
public interface HandlerFactory {

    /**
     * The unique name operators use in {@code HANDLERS}: lower case letters, digits and dashes,
     * for example {@code log} or {@code hlr-hss}. Two factories with one name stop start-up.
     */
    String name();

    /** One line that says what the handler provisions; shown by the {@code handlers} command. */
    default String description() {
        return "";
    }

    /**
     * The prefix of this handler's environment variables, such as {@code HLR_}: the handler reads
     * {@code HLR_API_URL} as {@code context.config().get("API_URL")}. Defaults to the name in upper
     * case with dashes turned into underscores, followed by an underscore.
     */
    default String configPrefix() {
        return ConfigValues.prefixOf(name());
    }

    /**
     * Builds the handler from its configuration. Problems found through
     * {@link HandlerConfig} (a missing or malformed setting) are collected and reported together
     * with every other configuration error of the connector, so a factory may simply go on after
     * recording one, or return {@code null} once it has (the connector does not start then); it may
     * also throw {@link HandlerConfigurationException}.
     */
    EventHandler create(HandlerContext context) throws HandlerConfigurationException;
}

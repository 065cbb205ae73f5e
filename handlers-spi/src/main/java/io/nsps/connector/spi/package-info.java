/**
 * The handler SPI: the only contract between the connector and the code that provisions an
 * external system.
 *
 * <p>A handler jar contains one or more {@link io.nsps.connector.spi.HandlerFactory} implementations,
 * each listed in {@code META-INF/services/io.nsps.connector.spi.HandlerFactory}. The connector
 * discovers them with {@link java.util.ServiceLoader} at start-up, creates the ones named in the
 * {@code HANDLERS} setting, and hands each event to the handlers whose
 * {@link io.nsps.connector.spi.EventHandler#eventTypes() event types} match it.
 *
 * <p>Class loading: a handler jar dropped into the handlers folder ({@code HANDLERS_DIR}), or a
 * sub-folder holding a handler jar and its libraries, gets a class loader of its own. It sees the
 * JDK, its own jars, and from the connector only this package, the event models
 * ({@code io.nsps.connector.model}), the Jackson annotations they carry, and the SLF4J API (what a
 * handler's libraries log through it is the connector's log); any other library a
 * handler uses (Jackson, Feign, an HTTP client) it bundles, in the version it wants, whatever the
 * connector or another handler uses. Log through {@link io.nsps.connector.spi.HandlerContext#logger()}.
 * While a handler's factory or {@code handle} runs, the thread's context class loader is the
 * handler's own.
 *
 * <p>Compatibility: this package, and the models it hands over, only grow within a major version.
 * A new method arrives as a {@code default} method, so that a handler compiled against an older SPI
 * keeps loading; nothing is removed or changed. The build checks it: {@code SpiCompatibilityTest}
 * compares every public signature with the committed baseline ({@code spi-signatures.txt}).
 */
package io.nsps.connector.spi;

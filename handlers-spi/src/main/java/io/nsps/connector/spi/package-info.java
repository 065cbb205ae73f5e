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
 * <p>Compatibility: this package only grows. New methods arrive as {@code default} methods so that
 * a handler compiled against an older SPI keeps loading.
 */
package io.nsps.connector.spi;

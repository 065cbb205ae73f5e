package io.nsps.connector.state.memory;

import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.processing.ProcessingSettings;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.EventTypePattern;
import io.nsps.connector.dispatch.RegisteredHandler;
import io.nsps.connector.model.CardInfo;
import io.nsps.connector.model.ESPFEvent;
import io.nsps.connector.model.Event;
import io.nsps.connector.model.PBData;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The memory store is bounded in bytes, not only in events: a stream of events with maximal ids
 * and subscribers (a megabyte each) leaves the heap where it was, as the ids and subscribers it
 * keeps are their 71-character digests.
 */
final class MemoryStoreBoundTest {

    private static final int EVENTS = 600;
    private static final int ID_CHARS = 1 << 20;

    @Test
    void megabyteIdsAndSubscribersLeaveTheHeapFlat() {
        EventHandler accepts = new EventHandler() {
            @Override
            public Set<String> eventTypes() {
                return Set.of("SIM/*");
            }

            @Override
            public HandlerResult handle(Event event) {
                return HandlerResult.processed("done");
            }
        };
        EventProcessor processor = new EventProcessor(new MemoryStateStore(200_000, Duration.ofDays(35), Clock.systemUTC()),
                new EventDispatcher(List.of(new RegisteredHandler("accepts", accepts, List.of(EventTypePattern.of("SIM/*"))))),
                new ProcessingSettings("bound", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofDays(35),
                        Duration.ofDays(1)),
                io.nsps.connector.processing.Waiting.NONE, Clock.systemUTC());
        char[] filler = new char[ID_CHARS];
        java.util.Arrays.fill(filler, 'x');
        String base = new String(filler);
        long before = usedHeapAfterCollection();

        for (int i = 0; i < EVENTS; i++) {
            // Distinct ids and subscribers (the suffix), sharing nothing the store could keep by reference.
            String id = (base + i).substring(1);
            String imsi = (base + i).substring(2);
            Event event = Event.builder().eventId(id)
                    .data(ESPFEvent.builder().eventType("SIM/Updated").build())
                    .pbData(PBData.builder().simInfo(CardInfo.builder().imsi(imsi).build()).build())
                    .build();
            assertThat(processor.process(event).done()).isTrue();
        }
        long grown = usedHeapAfterCollection() - before;

        // Kept as given, 600 ids and subscribers of a megabyte would retain 1.2 GB; as digests, well under a megabyte.
        assertThat(grown).as("heap retained by %d events with megabyte ids and subscribers", EVENTS).isLessThan(32L << 20);
    }

    private static long usedHeapAfterCollection() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}

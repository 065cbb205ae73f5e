package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdleMemoryReturnTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger returns = new AtomicInteger();
    private final IdleMemoryReturn idle = new IdleMemoryReturn(Duration.ofSeconds(30), now::get, returns::incrementAndGet);

    @Test
    void aConnectorThatNeverSawAnEventCollectsNothing() {
        for (int i = 0; i < 10; i++) {
            advance(Duration.ofSeconds(20));
            idle.check();
        }

        assertThat(returns).hasValue(0);
    }

    @Test
    void returnsMemoryOnceWhenEventsStopForTheQuietPeriod() {
        idle.eventArrived();
        idle.check();
        advance(Duration.ofSeconds(29));
        idle.check();
        assertThat(returns).as("quiet for less than the period").hasValue(0);

        advance(Duration.ofSeconds(1));
        idle.check();
        assertThat(returns).hasValue(1);

        advance(Duration.ofMinutes(10));
        idle.check();
        assertThat(returns).as("once per quiet period, not at every look").hasValue(1);
    }

    @Test
    void anEventRestartsTheQuietPeriodAndEarnsAnotherReturn() {
        idle.eventArrived();
        idle.check();
        advance(Duration.ofSeconds(20));
        idle.eventArrived();
        idle.check();
        advance(Duration.ofSeconds(20));
        idle.check();
        assertThat(returns).as("40 s since the first event, 20 s since the last").hasValue(0);

        advance(Duration.ofSeconds(10));
        idle.check();
        idle.eventArrived();
        idle.check();
        advance(Duration.ofSeconds(30));
        idle.check();

        assertThat(returns).hasValue(2);
    }

    @Test
    void aZeroPeriodTurnsItOff() {
        IdleMemoryReturn off = new IdleMemoryReturn(Duration.ZERO, now::get, returns::incrementAndGet);
        off.eventArrived();
        off.check();
        advance(Duration.ofHours(1));
        off.check();

        assertThat(returns).hasValue(0);
    }

    @Test
    void theHeapBoundsAreRestoredAfterTheCollection() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String minFree = hotspot.getVMOption("MinHeapFreeRatio").getValue();
        String maxFree = hotspot.getVMOption("MaxHeapFreeRatio").getValue();

        IdleMemoryReturn.collectAndShrink();

        assertThat(hotspot.getVMOption("MinHeapFreeRatio").getValue()).isEqualTo(minFree);
        assertThat(hotspot.getVMOption("MaxHeapFreeRatio").getValue()).isEqualTo(maxFree);
    }

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }
}

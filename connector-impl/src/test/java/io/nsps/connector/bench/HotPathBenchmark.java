package io.nsps.connector.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.EventTypePattern;
import io.nsps.connector.dispatch.RegisteredHandler;
import io.nsps.connector.parsing.EventParser;
import io.nsps.connector.parsing.JsonMappers;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.memory.MemoryStateStore;
import io.nsps.connector.processing.ProcessingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The in-process hot path without a network: parse + schema validation + exactly-once processing
 * + dispatch to a handler that does nothing, for the standard (~2.6 KB) and a 1 MB enriched event,
 * and the parse alone. The store holds 50 000 events, so it is full (steady state) after the warm-up
 * instead of growing through the whole run.
 * Run by scripts/bench.sh (java -cp <test classpath> org.openjdk.jmh.Main HotPathBenchmark).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HotPathBenchmark {

    private final AtomicLong ids = new AtomicLong();
    private EventParser parser;
    private EventProcessor processor;
    private byte[] standard;
    private byte[] large;

    @Setup
    public void setUp() throws IOException {
        ObjectMapper mapper = JsonMappers.create();
        parser = new EventParser(mapper);
        EventHandler nothing = new EventHandler() {
            @Override
            public Set<String> eventTypes() {
                return Set.of("SIM/*");
            }

            @Override
            public HandlerResult handle(Event event) {
                return HandlerResult.processed("done");
            }
        };
        EventDispatcher dispatcher = new EventDispatcher(List.of(new RegisteredHandler("nothing", nothing, List.of(EventTypePattern.of("SIM/*")))));
        processor = new EventProcessor(new MemoryStateStore(50_000, Duration.ofDays(1), Clock.systemUTC()), dispatcher,
                new ProcessingSettings("bench", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofDays(1), Duration.ofDays(1)),
                io.nsps.connector.processing.Waiting.NONE, Clock.systemUTC());
        try (InputStream in = HotPathBenchmark.class.getClassLoader().getResourceAsStream("examples/events/sim-updated.json")) {
            standard = in.readAllBytes();
        }
        ObjectNode event = (ObjectNode) mapper.readTree(standard);
        ArrayNode counters = (ArrayNode) event.path("pb_data").path("full_vd_counter_info");
        ObjectNode counter = (ObjectNode) counters.get(0);
        while (mapper.writeValueAsBytes(event).length < 1024 * 1024) {
            counters.add(counter.deepCopy().put("i_vd_plan", counters.size()));
        }
        large = mapper.writeValueAsBytes(event);
    }

    @Benchmark
    public Outcome standardEvent() {
        return process(standard);
    }

    @Benchmark
    public Outcome oneMegabyteEvent() {
        return process(large);
    }

    /** Parse + validate + bind alone: the share of {@link #standardEvent()} that is JSON work. */
    @Benchmark
    public Event standardEventParseOnly() {
        return parser.parse(standard);
    }

    @Benchmark
    public Event oneMegabyteEventParseOnly() {
        return parser.parse(large);
    }

    private Outcome process(byte[] body) {
        Event event = parser.parse(body);
        long id = ids.incrementAndGet();
        event.setEventId("bench-" + id);
        event.getPbData().getSimInfo().setImsi(String.format("%015d", id));
        return processor.process(event);
    }
}

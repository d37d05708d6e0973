package dev.strata.rescore;

import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Node-wide counters of the rescorer, served by {@code GET _strata/stats}: windows rescored, and every failure by
 * reason, split into fallbacks ({@code on_failure: keep_order}, the search succeeded in first-stage order) and
 * errors ({@code on_failure: error}, the shard failed), plus the last failure. A fallback is otherwise invisible
 * in the hits, so this is where an operator sees that "reranked" searches were not.
 *
 * <pre>
 *   StrataStats stats = new StrataStats(System::currentTimeMillis);
 *   stats.rescored(100);
 *   stats.failed(failure, OnFailure.KEEP_ORDER);
 * </pre>
 */
public final class StrataStats implements ToXContentObject {
    /** One failure as reported: what kind, the full message, when (epoch ms) and what the search did about it. */
    public record LastFailure(StrataFailure.Reason reason, String message, long timestampMillis, OnFailure onFailure) {}

    private final LongSupplier clock;
    private final LongAdder windows = new LongAdder();
    private final LongAdder documents = new LongAdder();
    private final Map<StrataFailure.Reason, LongAdder> fallbacks = counters();
    private final Map<StrataFailure.Reason, LongAdder> errors = counters();
    private final AtomicReference<LastFailure> last = new AtomicReference<>();

    public StrataStats(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    private static Map<StrataFailure.Reason, LongAdder> counters() {
        Map<StrataFailure.Reason, LongAdder> map = new EnumMap<>(StrataFailure.Reason.class);
        for (StrataFailure.Reason r : StrataFailure.Reason.values()) {
            map.put(r, new LongAdder());
        }
        return map;
    }

    /** A window of {@code documentCount} hits was scored by the service and re-sorted. */
    public void rescored(int documentCount) {
        windows.increment();
        documents.add(documentCount);
    }

    /** A window could not be scored; {@code onFailure} says whether the shard fell back or failed. */
    public void failed(StrataFailure failure, OnFailure onFailure) {
        (onFailure == OnFailure.KEEP_ORDER ? fallbacks : errors).get(failure.reason()).increment();
        last.set(new LastFailure(failure.reason(), failure.getMessage(), clock.getAsLong(), onFailure));
    }

    public long rescoredWindows() {
        return windows.sum();
    }

    public long fallbacks(StrataFailure.Reason reason) {
        return fallbacks.get(reason).sum();
    }

    public long errors(StrataFailure.Reason reason) {
        return errors.get(reason).sum();
    }

    /** The most recent failure on this node, or null. */
    public LastFailure lastFailure() {
        return last.get();
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject();
        writeFields(b);
        return b.endObject();
    }

    /** The counters as fields of the object {@code b} stands in (the REST handler adds the node around them). */
    public void writeFields(XContentBuilder b) throws IOException {
        b.field("rescored_windows", windows.sum());
        b.field("rescored_documents", documents.sum());
        writeCounters(b, "fallbacks", fallbacks);
        writeCounters(b, "errors", errors);
        LastFailure lf = last.get();
        if (lf == null) {
            b.nullField("last_failure");
        } else {
            b.startObject("last_failure");
            b.field("reason", lf.reason().jsonName());
            b.field("message", lf.message());
            b.field("on_failure", lf.onFailure().dslName());
            b.field("timestamp", Instant.ofEpochMilli(lf.timestampMillis()).toString());
            b.field("timestamp_millis", lf.timestampMillis());
            b.endObject();
        }
    }

    private static void writeCounters(XContentBuilder b, String name, Map<StrataFailure.Reason, LongAdder> counters) throws IOException {
        b.startObject(name);
        long total = 0;
        for (Map.Entry<StrataFailure.Reason, LongAdder> e : counters.entrySet()) {
            long n = e.getValue().sum();
            total += n;
            b.field(e.getKey().jsonName(), n);
        }
        b.field("total", total);
        b.endObject();
    }
}

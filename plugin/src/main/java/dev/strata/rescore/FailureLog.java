package dev.strata.rescore;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs service failures under {@code on_failure: keep_order} at most once per interval, counting the ones it
 * swallows, so an outage of the service does not write one line per search per shard.
 *
 * <pre>
 *   FailureLog log = new FailureLog(60_000, System::nanoTime, logger::warn);
 *   log.record("strata rescorer: service at http://x failed: connection refused");
 * </pre>
 */
public final class FailureLog {
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Consumer<String> sink;
    private final AtomicLong nextAllowedNanos;
    private final AtomicLong suppressed = new AtomicLong();

    public FailureLog(long intervalMillis, LongSupplier nanoClock, Consumer<String> sink) {
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.nanoClock = nanoClock;
        this.sink = sink;
        this.nextAllowedNanos = new AtomicLong(nanoClock.getAsLong());
    }

    /** Records one failure; writes it only if the interval since the last written one has passed. */
    public void record(String message) {
        long now = nanoClock.getAsLong();
        long next = nextAllowedNanos.get();
        if (now - next >= 0 && nextAllowedNanos.compareAndSet(next, now + intervalNanos)) {
            long skipped = suppressed.getAndSet(0);
            StringBuilder line = new StringBuilder(message).append(
                "; on_failure=keep_order, so hits keep their first-stage order"
            );
            if (skipped > 0) {
                line.append("; ").append(skipped).append(" more failure(s) were not logged since the previous message");
            }
            line.append(" (logged at most once every ").append(TimeUnit.NANOSECONDS.toSeconds(intervalNanos)).append(" s)");
            sink.accept(line.toString());
        } else {
            suppressed.incrementAndGet();
        }
    }
}

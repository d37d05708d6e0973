package dev.strata.rescore;

/**
 * Runs a task after a delay; used to cut an HTTP call at its deadline even when a read is blocked.
 * In the node it is Elasticsearch's scheduler (no threads of the plugin's own, so no {@code manage_threads}).
 */
@FunctionalInterface
public interface Watchdog {
    /** A watchdog that never fires: the socket timeouts alone bound the call. */
    Watchdog NONE = (task, delayMillis) -> () -> {};

    /**
     * Schedules {@code task} to run once after {@code delayMillis}.
     *
     * @return a handle that cancels the task if it has not run yet
     */
    Runnable schedule(Runnable task, long delayMillis);
}

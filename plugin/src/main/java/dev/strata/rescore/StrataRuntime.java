package dev.strata.rescore;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Node-wide state the rescorer needs and the plugin keeps current: the service URL (a dynamic cluster setting),
 * the API key (keystore, reloadable), the scheduler that enforces deadlines, the rate-limited failure log and the
 * counters served by {@code GET _strata/stats}.
 */
public final class StrataRuntime {
    private static final Logger LOGGER = LogManager.getLogger(StrataRescorer.class);
    static final long FAILURE_LOG_INTERVAL_MS = 60_000;

    private volatile String url = StrataSettings.DEFAULT_SERVICE_URL;
    private volatile String apiKey;
    private volatile Watchdog watchdog = Watchdog.NONE;
    private final FailureLog failureLog;
    private final StrataStats stats = new StrataStats(System::currentTimeMillis);
    private final Reranker reranker;

    public StrataRuntime() {
        this(new FailureLog(FAILURE_LOG_INTERVAL_MS, System::nanoTime, LOGGER::warn));
    }

    StrataRuntime(FailureLog failureLog) {
        this.failureLog = failureLog;
        this.reranker = new RerankClient(this::url, this::apiKey, this::watchdog);
    }

    public String url() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    String apiKey() {
        return apiKey;
    }

    void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    Watchdog watchdog() {
        return watchdog;
    }

    void setWatchdog(Watchdog watchdog) {
        this.watchdog = watchdog;
    }

    Reranker reranker() {
        return reranker;
    }

    FailureLog failureLog() {
        return failureLog;
    }

    /** The node's rescore counters ({@code GET _strata/stats}). */
    StrataStats stats() {
        return stats;
    }
}

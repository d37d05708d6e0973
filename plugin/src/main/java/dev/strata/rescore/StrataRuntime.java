package dev.strata.rescore;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Node-wide state the rescorer needs and the plugin keeps current: the service URL (a dynamic cluster setting),
 * the API key (keystore, reloadable), the scheduler that enforces deadlines, and the rate-limited failure log.
 */
public final class StrataRuntime {
    private static final Logger LOGGER = LogManager.getLogger(StrataRescorer.class);
    static final long FAILURE_LOG_INTERVAL_MS = 60_000;

    private volatile String url = StrataSettings.DEFAULT_SERVICE_URL;
    private volatile String apiKey;
    private volatile Watchdog watchdog = Watchdog.NONE;
    private final FailureLog failureLog;
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
}

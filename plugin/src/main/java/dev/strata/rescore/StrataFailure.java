package dev.strata.rescore;

/** Why a window could not be scored; the message is the complete sentence shown to users and in logs. */
public final class StrataFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean timeout;

    private StrataFailure(String message, boolean timeout, Throwable cause) {
        super(message, cause, false, false);
        this.timeout = timeout;
    }

    /** The service (or the way to it) failed: "strata rescorer: service at URL failed: REASON". */
    public static StrataFailure service(String url, String reason, boolean timeout) {
        return new StrataFailure("strata rescorer: service at " + url + " failed: " + reason, timeout, null);
    }

    /** Something on the shard failed before the service was called (reading _id or _source). */
    public static StrataFailure local(String reason, Throwable cause) {
        return new StrataFailure("strata rescorer: " + reason, false, cause);
    }

    public boolean isTimeout() {
        return timeout;
    }
}

package dev.strata.rescore;

import java.util.Locale;

/** Why a window could not be scored; the message is the complete sentence shown to users and in logs. */
public final class StrataFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** The kind of failure, as counted by {@code GET _strata/stats} and named in explanations. */
    public enum Reason {
        /** No complete answer within {@code timeout_ms}. */
        TIMEOUT,
        /** The service could not be reached: refused, unreachable, unknown host, reset, invalid URL. */
        CONNECTION_ERROR,
        /** The service answered, but not with 200 and a complete, valid results array. */
        BAD_RESPONSE,
        /** Something on the shard failed before the service was called (reading _id or _source). */
        LOCAL_ERROR;

        /** The name used in JSON and explanations: {@code timeout}, {@code connection_error}, ... */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    private StrataFailure(String message, Reason reason, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    /** The service (or the way to it) failed: "strata rescorer: service at URL failed: DETAIL". */
    public static StrataFailure service(String url, String detail, Reason reason) {
        return new StrataFailure("strata rescorer: service at " + url + " failed: " + detail, reason, null);
    }

    /** Something on the shard failed before the service was called (reading _id or _source). */
    public static StrataFailure local(String detail, Throwable cause) {
        return new StrataFailure("strata rescorer: " + detail, Reason.LOCAL_ERROR, cause);
    }

    public Reason reason() {
        return reason;
    }

    public boolean isTimeout() {
        return reason == Reason.TIMEOUT;
    }
}

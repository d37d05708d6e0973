package dev.strata.rescore;

import org.elasticsearch.common.settings.SecureSetting;
import org.elasticsearch.common.settings.SecureString;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Setting.Property;

import java.net.URI;
import java.util.Locale;

/** The plugin's settings: where the service is (dynamic) and the key it expects (keystore). */
public final class StrataSettings {
    public static final String DEFAULT_SERVICE_URL = "http://127.0.0.1:8787";

    /** {@code PUT _cluster/settings {"persistent": {"strata.service.url": "http://strata:8787"}}}. */
    public static final Setting<String> SERVICE_URL = Setting.simpleString(
        "strata.service.url",
        DEFAULT_SERVICE_URL,
        StrataSettings::validateUrl,
        Property.NodeScope,
        Property.Dynamic
    );

    /** {@code bin/elasticsearch-keystore add strata.service.api_key}; sent as {@code Authorization: Bearer <key>}. */
    public static final Setting<SecureString> SERVICE_API_KEY = SecureSetting.secureString("strata.service.api_key", null);

    private StrataSettings() {}

    static void validateUrl(String value) {
        String problem = null;
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("http") == false && scheme.equals("https") == false) {
                problem = "the scheme must be http or https";
            } else if (uri.getHost() == null) {
                problem = "it has no host";
            } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                problem = "it must not have a query or fragment";
            } else if (uri.getRawUserInfo() != null) {
                problem = "credentials belong in the keystore setting [strata.service.api_key], not in the URL";
            }
        } catch (Exception e) {
            problem = e.getMessage();
        }
        if (problem != null) {
            throw new IllegalArgumentException(
                "[strata.service.url] must be an http(s) base URL such as " + DEFAULT_SERVICE_URL + ", got [" + value + "]: " + problem
            );
        }
    }

    /** The API key from secure settings, or null when none is configured. */
    static String apiKey(org.elasticsearch.common.settings.Settings settings) {
        if (SERVICE_API_KEY.exists(settings) == false) {
            return null;
        }
        try (SecureString key = SERVICE_API_KEY.get(settings)) {
            String value = key.toString();
            return value.isEmpty() ? null : value;
        }
    }
}

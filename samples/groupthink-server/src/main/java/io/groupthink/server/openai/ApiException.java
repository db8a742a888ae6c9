package io.groupthink.server.openai;

import org.springframework.http.HttpStatus;

/**
 * A request the server refuses, in OpenAI's error shape: the status, the error {@code type}, the
 * offending {@code param} (or null) and a machine-readable {@code code} (or null).
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(HttpStatus status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request names a bad value; the message says which and why. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", param, null, message);
    }

    public HttpStatus status() {
        return status;
    }

    public ApiError body() {
        return new ApiError(new ApiError.Detail(getMessage(), type, param, code));
    }
}

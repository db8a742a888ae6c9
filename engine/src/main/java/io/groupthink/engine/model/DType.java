package io.groupthink.engine.model;

/** Safetensors element types. Only the floating ones can be weights. */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), F8_E4M3(1), F8_E5M2(1), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public boolean isWeightType() {
        return this == F32 || this == F16 || this == BF16;
    }

    static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}

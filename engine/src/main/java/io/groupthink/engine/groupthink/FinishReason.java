package io.groupthink.engine.groupthink;

/** Why a lane stopped. */
public enum FinishReason { EOS, STOP, LENGTH, CANCELLED }

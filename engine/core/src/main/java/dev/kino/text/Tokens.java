package dev.kino.text;

import java.util.List;

/**
 * One prompt as token ids, padded to the length the text encoder takes.
 *
 * @param ids           token ids, padded
 * @param attentionMask 1 for real tokens (special tokens included), 0 for padding
 * @param length        number of real tokens
 * @param unknownWords  words of the prompt the tokenizer mapped to its unknown token
 * @param truncated     true when the prompt was longer than the encoder's maximum and was cut
 */
public record Tokens(long[] ids, long[] attentionMask, int length, List<String> unknownWords, boolean truncated) {
}

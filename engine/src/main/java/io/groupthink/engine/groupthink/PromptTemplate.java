package io.groupthink.engine.groupthink;

/**
 * The words the thinkers are given. Placeholders: {count}, {id}, {question}, {role}.
 *
 * @param groupSystem  system message in GROUP_THINK mode: how to collaborate
 * @param soloSystem   system message for COT and INDEPENDENT (no collaboration)
 * @param user         the user turn; {@code {role}} expands to {@link #role} or to nothing
 * @param role         the role sentence of a role-specialised thinker
 * @param header       the label that opens a thinker's stream, visible to the others
 * @param synthesis    what the final-answer lane is told after every thinker has finished
 */
public record PromptTemplate(String groupSystem, String soloSystem, String user, String role, String header,
        String synthesis) {

    /** The project's default, written after the paper's rules in our own words. */
    public static final PromptTemplate DEFAULT = new PromptTemplate(
            "You are one of {count} thinkers, Thinker1 to Thinker{count}, working on the same problem at the "
                    + "same time. Each of you can read what the others are writing, token by token, while they "
                    + "write it. The group has solved the problem once the answer is complete across all of you "
                    + "together, even if each thinker holds only a part of it. Write your own reasoning. Watch "
                    + "what the others have done so far and build on it; leave out anything another thinker has "
                    + "already covered or is clearly working on, so that no effort is spent twice. Do not "
                    + "summarise or repeat the others' work.",
            "Think the problem through step by step, then give your answer.",
            "{question}\n\nYou are Thinker{id}.{role}",
            " Your role: {role}.",
            "Thinker{id}: ",
            "\n\nFinal answer, combining the work of all thinkers:");

    public String fill(String text, int count, int id, String question, String roleName) {
        String roleText = roleName == null || roleName.isBlank() ? "" : role.replace("{role}", roleName);
        return text.replace("{count}", Integer.toString(count))
                .replace("{id}", Integer.toString(id))
                .replace("{question}", question == null ? "" : question)
                .replace("{role}", roleText);
    }

    public PromptTemplate withGroupSystem(String s) {
        return new PromptTemplate(s, soloSystem, user, role, header, synthesis);
    }

    public PromptTemplate withUser(String s) {
        return new PromptTemplate(groupSystem, soloSystem, s, role, header, synthesis);
    }

    public PromptTemplate withHeader(String s) {
        return new PromptTemplate(groupSystem, soloSystem, user, role, s, synthesis);
    }

    public PromptTemplate withSynthesis(String s) {
        return new PromptTemplate(groupSystem, soloSystem, user, role, header, s);
    }
}

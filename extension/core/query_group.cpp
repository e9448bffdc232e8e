// query_group.cpp — the query group (query_group.hpp): a small SQL lexer and a fingerprint over its
// tokens, with constant lists collapsed. One pass, with bounded look-ahead by copying the lexer.
#include "query_group.hpp"

#include "fingerprint.hpp"

namespace pgpf
{

namespace
{

enum Kind : uint64_t
{
    kEnd = 0,
    kConst = 1,
    kWord = 2,
    kPunct = 3,
    kList = 4,  // a collapsed constant list
    kTuple = 5, // a VALUES row, by its shape
};

struct Token
{
    Kind kind;
    uint64_t value; // word: hash of its lower-cased text; punctuation: the character
};

constexpr uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ static_cast<unsigned char>(*s)) * 0x100000001b3ULL;
    return h;
}
constexpr uint64_t kIn = fnv("in");
constexpr uint64_t kArray = fnv("array");
constexpr uint64_t kValues = fnv("values");
constexpr uint64_t kRow = fnv("row");

inline bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
inline bool is_ident(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}
inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

class Lexer
{
  public:
    Lexer(const char *text, size_t len) : p_(text), end_(text + len) {}

    Token next()
    {
        skip_space_and_comments();
        if (p_ >= end_)
            return {kEnd, 0};
        const unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '$' && p_ + 1 < end_ && is_digit(static_cast<unsigned char>(p_[1])))
        {
            p_++;
            while (p_ < end_ && is_digit(static_cast<unsigned char>(*p_)))
                p_++;
            return {kConst, 0};
        }
        if (c == '$' && dollar_quote())
            return {kConst, 0};
        if (c == '\'')
        {
            quoted('\'');
            return {kConst, 0};
        }
        if (is_digit(c) || (c == '.' && p_ + 1 < end_ && is_digit(static_cast<unsigned char>(p_[1]))))
        {
            number();
            return {kConst, 0};
        }
        if (is_ident_start(c))
        {
            // A prefixed string constant: E'...', B'...', X'...', N'...'.
            if (p_ + 1 < end_ && p_[1] == '\'' &&
                (c == 'e' || c == 'E' || c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' ||
                 c == 'N'))
            {
                p_++;
                quoted('\'');
                return {kConst, 0};
            }
            uint64_t h = 0xcbf29ce484222325ULL;
            while (p_ < end_ && is_ident(static_cast<unsigned char>(*p_)))
            {
                unsigned char ch = static_cast<unsigned char>(*p_++);
                if (ch >= 'A' && ch <= 'Z')
                    ch = static_cast<unsigned char>(ch - 'A' + 'a');
                h = (h ^ ch) * 0x100000001b3ULL;
            }
            return {kWord, h};
        }
        if (c == '"')
        {
            const char *start = p_;
            quoted('"');
            uint64_t h = 0x84222325cbf29ce4ULL; // another seed: "in" is not IN
            for (const char *q = start; q < p_; q++)
                h = (h ^ static_cast<unsigned char>(*q)) * 0x100000001b3ULL;
            return {kWord, h};
        }
        p_++;
        return {kPunct, c};
    }

  private:
    void skip_space_and_comments()
    {
        while (p_ < end_)
        {
            const char c = *p_;
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
                p_++;
            else if (c == '-' && p_ + 1 < end_ && p_[1] == '-')
            {
                while (p_ < end_ && *p_ != '\n')
                    p_++;
            }
            else if (c == '/' && p_ + 1 < end_ && p_[1] == '*')
            {
                int depth = 0; // comments nest in PostgreSQL
                while (p_ < end_)
                {
                    if (*p_ == '/' && p_ + 1 < end_ && p_[1] == '*')
                    {
                        depth++;
                        p_ += 2;
                    }
                    else if (*p_ == '*' && p_ + 1 < end_ && p_[1] == '/')
                    {
                        p_ += 2;
                        if (--depth == 0)
                            break;
                    }
                    else
                        p_++;
                }
            }
            else
                return;
        }
    }

    // From an opening quote to past its closing one; a doubled quote is part of the text.
    void quoted(char q)
    {
        p_++;
        while (p_ < end_)
        {
            if (*p_ == '\\' && q == '\'' && p_ + 1 < end_)
                p_ += 2; // harmless for standard strings: only a quote could follow and end them
            else if (*p_ == q)
            {
                if (p_ + 1 < end_ && p_[1] == q)
                    p_ += 2;
                else
                {
                    p_++;
                    return;
                }
            }
            else
                p_++;
        }
    }

    void number()
    {
        while (p_ < end_)
        {
            const unsigned char c = static_cast<unsigned char>(*p_);
            if ((c == 'e' || c == 'E') && p_ + 1 < end_ && (p_[1] == '+' || p_[1] == '-'))
                p_ += 2;
            else if (is_digit(c) || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                p_++;
            else
                return;
        }
    }

    // $tag$ ... $tag$; false (nothing consumed) when this $ starts no dollar quote.
    bool dollar_quote()
    {
        const char *tag_end = p_ + 1;
        while (tag_end < end_ && *tag_end != '$' && is_ident(static_cast<unsigned char>(*tag_end)))
            tag_end++;
        if (tag_end >= end_ || *tag_end != '$')
            return false;
        const size_t tag_len = static_cast<size_t>(tag_end - p_) + 1;
        for (const char *q = tag_end + 1; q + tag_len <= end_; q++)
        {
            bool match = true;
            for (size_t i = 0; i < tag_len && match; i++)
                match = q[i] == p_[i];
            if (match)
            {
                p_ = q + tag_len;
                return true;
            }
        }
        p_ = end_; // unterminated: the rest is the constant
        return true;
    }

    const char *p_;
    const char *end_;
};

inline bool is_punct(const Token &t, char c)
{
    return t.kind == kPunct && t.value == static_cast<unsigned char>(c);
}

// One constant item of a list: [+|-] constant [::type words]..., or ROW? ( item, ... ).
// On success lx is past it and *after holds the token that follows.
bool const_item(Lexer &lx, Token &t, Token *after, int depth)
{
    if (t.kind == kWord && t.value == kRow)
        t = lx.next();
    if (is_punct(t, '('))
    {
        if (depth > 8)
            return false;
        Token inner = lx.next();
        for (;;)
        {
            Token next;
            if (!const_item(lx, inner, &next, depth + 1))
                return false;
            if (is_punct(next, ')'))
                break;
            if (!is_punct(next, ','))
                return false;
            inner = lx.next();
        }
        *after = lx.next();
    }
    else
    {
        if (is_punct(t, '-') || is_punct(t, '+'))
            t = lx.next();
        if (t.kind != kConst)
            return false;
        *after = lx.next();
    }
    // Casts: ::word [word]...
    while (is_punct(*after, ':'))
    {
        Token second = lx.next();
        if (!is_punct(second, ':'))
            return false;
        Token word = lx.next();
        if (word.kind != kWord)
            return false;
        do
            *after = lx.next();
        while (after->kind == kWord);
    }
    return true;
}

// After the opening bracket: a list of constant items up to `close`. lx ends past the bracket.
bool const_list(Lexer &lx, char close)
{
    Token t = lx.next();
    for (;;)
    {
        Token after;
        if (!const_item(lx, t, &after, 0))
            return false;
        if (is_punct(after, close))
            return true;
        if (!is_punct(after, ','))
            return false;
        t = lx.next();
    }
}

void mix(Fingerprint &f, const Token &t)
{
    f.mix((static_cast<uint64_t>(t.kind) << 56) ^ t.value);
}

// After VALUES's "(": the row's shape, up to its matching ")"; false when the text ends first.
bool row_shape(Lexer &lx, uint64_t *shape)
{
    Fingerprint f;
    int depth = 1;
    for (;;)
    {
        const Token t = lx.next();
        if (t.kind == kEnd)
            return false;
        if (is_punct(t, '('))
            depth++;
        else if (is_punct(t, ')') && --depth == 0)
        {
            *shape = f.finish();
            return true;
        }
        mix(f, t);
    }
}

} // namespace

uint64_t query_group(const char *text, size_t len)
{
    Fingerprint f;
    Lexer lx(text, len);
    for (Token t = lx.next(); t.kind != kEnd; t = lx.next())
    {
        mix(f, t);
        if (t.kind != kWord || (t.value != kIn && t.value != kArray && t.value != kValues))
            continue;
        Lexer ahead = lx;
        const Token open = ahead.next();
        if (t.value == kValues)
        {
            // Rows of one shape in a row count once.
            if (!is_punct(open, '('))
                continue;
            uint64_t previous = 0;
            for (bool first = true;; first = false)
            {
                Lexer row = ahead; // past the row's "("
                uint64_t shape;
                if (!row_shape(row, &shape))
                    break;
                if (first || shape != previous)
                {
                    if (!first)
                        mix(f, Token{kPunct, ','});
                    mix(f, Token{kTuple, shape});
                }
                previous = shape;
                lx = row;
                Lexer comma = row;
                if (!is_punct(comma.next(), ','))
                    break;
                Lexer next_row = comma;
                if (!is_punct(next_row.next(), '('))
                    break;
                ahead = next_row;
            }
            continue;
        }
        const char close = t.value == kIn ? ')' : ']';
        if (!is_punct(open, t.value == kIn ? '(' : '['))
            continue;
        if (const_list(ahead, close))
        {
            mix(f, Token{kList, 0});
            lx = ahead;
        }
    }
    const uint64_t h = f.finish();
    return h != 0 ? h : 1;
}

} // namespace pgpf

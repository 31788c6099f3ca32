#ifndef OAUTHSCOPE_CNCURSESW_SHIM_H
#define OAUTHSCOPE_CNCURSESW_SHIM_H
// Every piece of C the terminal front needs lives here: ncursesw's macros (which Swift cannot import) wrapped as
// static inline functions, wide-character output, and the signal handling that gives the terminal back on every
// way out. Swift never calls a variadic printw.
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <ncursesw/curses.h>

// MARK: - Keys and attributes

enum {
    OSC_KEY_DOWN = KEY_DOWN,
    OSC_KEY_UP = KEY_UP,
    OSC_KEY_LEFT = KEY_LEFT,
    OSC_KEY_RIGHT = KEY_RIGHT,
    OSC_KEY_HOME = KEY_HOME,
    OSC_KEY_END = KEY_END,
    OSC_KEY_NPAGE = KEY_NPAGE,
    OSC_KEY_PPAGE = KEY_PPAGE,
    OSC_KEY_ENTER = KEY_ENTER,
    OSC_KEY_BACKSPACE = KEY_BACKSPACE,
    OSC_KEY_BTAB = KEY_BTAB,
    OSC_KEY_RESIZE = KEY_RESIZE,
    OSC_KEY_F1 = KEY_F(1),
    OSC_KEY_MOUSE = KEY_MOUSE,
    OSC_KEY_CODE_YES = KEY_CODE_YES,
    OSC_OK = OK,
    OSC_ERR = ERR,
};

static inline attr_t osc_attr_normal(void) { return A_NORMAL; }
static inline attr_t osc_attr_bold(void) { return A_BOLD; }
static inline attr_t osc_attr_dim(void) { return A_DIM; }
static inline attr_t osc_attr_reverse(void) { return A_REVERSE; }
static inline attr_t osc_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t osc_attr_italic(void) {
#ifdef A_ITALIC
    return A_ITALIC;
#else
    return A_NORMAL;
#endif
}

// MARK: - Screen

static inline int osc_lines(void) { return LINES; }
static inline int osc_cols(void) { return COLS; }
static inline int osc_colors(void) { return COLORS; }
static inline int osc_color_pairs(void) { return COLOR_PAIRS; }
static inline void osc_getmaxyx(int *y, int *x) { int yy, xx; getmaxyx(stdscr, yy, xx); *y = yy; *x = xx; }

/// Sets up stdscr the way the UI loop wants it: cbreak (signals still work), no echo, keypad, non-blocking reads
/// (the loop waits in poll(2), never in ncurses), invisible cursor, a short ESC delay.
static inline int osc_setup_screen(void) {
    if (initscr() == NULL) return ERR;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    leaveok(stdscr, TRUE);
    scrollok(stdscr, FALSE);
    curs_set(0);
    set_escdelay(25);
    return OK;
}

static inline int osc_is_endwin(void) { return isendwin(); }
static inline int osc_refresh(void) { return refresh(); }
static inline int osc_clearok(void) { return clearok(stdscr, TRUE); }
static inline int osc_erase(void) { return erase(); }

/// Reads one key without blocking: OK with a character, KEY_CODE_YES with a function key, ERR when none is there.
static inline int osc_get_wch(wint_t *ch) { return get_wch(ch); }

/// Puts one grapheme (up to CCHARW_MAX - 1 code points) with attributes and colour pair at (y, x). The pair goes
/// through setcchar's `opts` as an int, so extended pairs (init_extended_pair) work too.
static inline int osc_put_cell(int y, int x, const wchar_t *wch, int count, attr_t attrs, int pair) {
    wchar_t buf[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX - 1;
    if (n < 1) { buf[0] = L' '; n = 1; } else { for (int i = 0; i < n; i++) buf[i] = wch[i]; }
    buf[n] = L'\0';
    cchar_t cc;
    int extended = pair;
    if (setcchar(&cc, buf, attrs, pair <= 32767 ? (short)pair : 0, &extended) != OK) return ERR;
    return mvadd_wch(y, x, &cc);
}

/// The terminal's size from the kernel, for SIGWINCH (the loop owns that signal, so ncurses does not see it).
static inline int osc_terminal_size(int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return ERR;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return OK;
}

static inline int osc_resize(int rows, int cols) { return resize_term(rows, cols); }

// MARK: - Colours

static inline int osc_start_colors(int use_default) {
    if (!has_colors()) return ERR;
    if (start_color() != OK) return ERR;
    if (use_default) use_default_colors();
    return OK;
}

static inline int osc_init_pair(int pair, int fg, int bg) { return init_pair((short)pair, (short)fg, (short)bg); }
static inline int osc_can_change_color(void) { return can_change_color(); }

/// ncurses 6.1's extended colours: colour numbers beyond 255 (direct colour, where the number is 0xRRGGBB,
/// or redefined slots) and more than 32767 pairs. `r`, `g`, `b` run from 0 to 1000.
static inline int osc_init_extended_color(int color, int r, int g, int b) { return init_extended_color(color, r, g, b); }
static inline int osc_init_extended_pair(int pair, int fg, int bg) { return init_extended_pair(pair, fg, bg); }

// MARK: - Mouse

/// Asks for button presses and the wheel; presses are reported at once (no click interval).
static inline int osc_enable_mouse(void) {
    mouseinterval(0);
    mmask_t old = 0;
    return mousemask(ALL_MOUSE_EVENTS, &old) != 0 ? OK : ERR;
}

static inline void osc_disable_mouse(void) { mousemask(0, NULL); }

/// Reads the mouse event behind a KEY_MOUSE: `kind` is 1 for a left press, 4 wheel up, 5 wheel down, 0 other.
static inline int osc_get_mouse(int *x, int *y, int *kind) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return ERR;
    *x = ev.x;
    *y = ev.y;
    *kind = 0;
    if (ev.bstate & BUTTON4_PRESSED) *kind = 4;
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED) *kind = 5;
#endif
    else if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) *kind = 1;
    return OK;
}

// MARK: - Writing to the terminal behind ncurses' back

/// Writes bytes straight to the terminal (an OSC 52 clipboard sequence), after ncurses' own output went out.
static inline int osc_write_terminal(const char *bytes, int count) {
    fflush(stdout);
    int done = 0;
    while (done < count) {
        ssize_t n = write(STDOUT_FILENO, bytes + done, (size_t)(count - done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return ERR;
        }
        done += (int)n;
    }
    return OK;
}

// MARK: - Locale and character width

/// Adopts the user's locale and tells whether it is UTF-8 (so box drawing and wide characters can be used).
static inline int osc_setlocale_is_utf8(void) {
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

static inline int osc_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

// MARK: - Signals: giving the terminal back on every way out

// The handlers' state lives in one function-local static, so it exists exactly once however the header is
// imported (file-scope statics without initialisers are not emitted for Swift's use).
struct osc_signal_state {
    int wake_fd;
    volatile sig_atomic_t terminal_taken;
    int have_saved_tty;
    struct termios saved_tty;
    struct sigaction previous[NSIG];
};

static inline struct osc_signal_state *osc_state(void) {
    static struct osc_signal_state state = { .wake_fd = -1 };
    return &state;
}

#define osc_wake_fd (osc_state()->wake_fd)
#define osc_terminal_taken (osc_state()->terminal_taken)
#define osc_have_saved_tty (osc_state()->have_saved_tty)
#define osc_saved_tty (osc_state()->saved_tty)
#define osc_previous (osc_state()->previous)
static const int osc_notify_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
static const int osc_fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };

/// Async-signal-safe: puts the tty back in the mode it had and leaves the alternate screen, without ncurses.
static inline void osc_emergency_restore(void) {
    if (!osc_terminal_taken) return;
    osc_terminal_taken = 0;
    if (osc_have_saved_tty) tcsetattr(STDIN_FILENO, TCSANOW, &osc_saved_tty);
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    ssize_t unused = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)unused;
}

static inline void osc_notify_handler(int sig) {
    int saved = errno;
    char b = sig == SIGWINCH ? 'W' : sig == SIGINT ? 'I' : sig == SIGHUP ? 'H' : 'T';
    if (osc_wake_fd >= 0) { ssize_t unused = write(osc_wake_fd, &b, 1); (void)unused; }
    errno = saved;
}

static inline void osc_fatal_handler(int sig) {
    osc_emergency_restore();
    // Hand the signal on to whoever had it before (the Swift runtime's backtracer, or the default), on a sane tty.
    sigaction(sig, &osc_previous[sig], NULL);
    raise(sig);
}

static inline void osc_atexit_restore(void) {
    if (osc_terminal_taken && !isendwin()) endwin();
    osc_terminal_taken = 0;
}

/// Installs the handlers before initscr, so ncurses keeps its hands off SIGINT, SIGTERM and SIGWINCH: they become
/// bytes on `wake_fd` ('I', 'T', 'H', 'W') that the UI loop reads. Crashes restore the tty, then re-raise.
static inline void osc_install_signal_handlers(int wake_fd) {
    osc_wake_fd = wake_fd;
    if (tcgetattr(STDIN_FILENO, &osc_saved_tty) == 0) osc_have_saved_tty = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = osc_notify_handler;
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof osc_notify_signals / sizeof osc_notify_signals[0]; i++) {
        sigaction(osc_notify_signals[i], &sa, &osc_previous[osc_notify_signals[i]]);
    }
    sa.sa_handler = osc_fatal_handler;
    sa.sa_flags = SA_NODEFER | SA_RESETHAND;
    for (size_t i = 0; i < sizeof osc_fatal_signals / sizeof osc_fatal_signals[0]; i++) {
        sigaction(osc_fatal_signals[i], &sa, &osc_previous[osc_fatal_signals[i]]);
    }
    static int registered = 0;
    if (!registered) { registered = 1; atexit(osc_atexit_restore); }
}

static inline void osc_restore_signal_handlers(void) {
    for (size_t i = 0; i < sizeof osc_notify_signals / sizeof osc_notify_signals[0]; i++) {
        sigaction(osc_notify_signals[i], &osc_previous[osc_notify_signals[i]], NULL);
    }
    for (size_t i = 0; i < sizeof osc_fatal_signals / sizeof osc_fatal_signals[0]; i++) {
        sigaction(osc_fatal_signals[i], &osc_previous[osc_fatal_signals[i]], NULL);
    }
    osc_wake_fd = -1;
}

static inline void osc_mark_terminal_taken(int taken) { osc_terminal_taken = taken; }

/// Leaves curses mode normally; the counterpart of osc_setup_screen.
static inline int osc_end_screen(void) {
    int r = OK;
    if (!isendwin()) r = endwin();
    osc_terminal_taken = 0;
    return r;
}

#endif

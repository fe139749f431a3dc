// The platform's front page (`/`): plain links to the pages and consoles. It needs no script of
// its own; this entry only brings its styles into the build, as every page's does.
import './home.css';

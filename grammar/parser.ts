/**
 * The Lifespec grammar (LANGUAGE.md §3–§7) as one Chevrotain CST parser.
 *
 * One instance is built at module load and reused for every parse, as the
 * Chevrotain authors recommend: `performSelfAnalysis()` is costly and the
 * parser is stateless between `input` assignments. Error recovery is on so a
 * bad line inside a declaration does not hide the errors after it.
 *
 * Labels (`LABEL: 'name'`) give each child a stable key in the CST, so the
 * lowering pass never depends on positions in a child array that recovery may
 * have shortened.
 */
import { CstParser, EOF, tokenMatcher, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens.js';
import { errorMessages } from './messages.js';

const K = T.Kw;

class LifespecParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: 'onlyOffset',
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  /** True when the next token starts on the line the previous token ended on. */
  private sameLine(): boolean {
    const prev = this.LA(0);
    const next = this.LA(1);
    if (next.tokenType === EOF || prev.tokenType === EOF) return false;
    return next.startLine === prev.endLine;
  }

  public spec = this.RULE('spec', () => {
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  public declaration = this.RULE('declaration', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.useDecl) },
      { ALT: () => this.SUBRULE(this.kindDecl) },
      { ALT: () => this.SUBRULE(this.targetDecl) },
      { ALT: () => this.SUBRULE(this.allowDecl) },
      { ALT: () => this.SUBRULE(this.topologyDecl) },
      { ALT: () => this.SUBRULE(this.providerDecl) },
      { ALT: () => this.SUBRULE(this.opstypeDecl) },
      { ALT: () => this.SUBRULE(this.driverDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.constraintDecl) },
      { ALT: () => this.SUBRULE(this.scenarioDecl) },
    ]);
  });

  // ---- use ---------------------------------------------------------------

  public useDecl = this.RULE('useDecl', () => {
    this.CONSUME(K.use);
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'file' }) },
      {
        ALT: () => {
          this.CONSUME(T.Name, { LABEL: 'part' });
          this.MANY(() => {
            this.CONSUME(T.Dot);
            this.CONSUME2(T.Word, { LABEL: 'part' });
          });
        },
      },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  // ---- v1: own kinds, kernel target, allowed rules ----------------------------

  public kindDecl = this.RULE('kindDecl', () => {
    this.CONSUME(K.kind);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.field));
    this.CONSUME(T.RBrace);
  });

  public targetDecl = this.RULE('targetDecl', () => {
    this.CONSUME(K.target);
    this.CONSUME(K.linux);
    this.CONSUME(T.Integer, { LABEL: 'major' });
    this.CONSUME(T.Dot);
    this.CONSUME2(T.Integer, { LABEL: 'minor' });
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  public allowDecl = this.RULE('allowDecl', () => {
    this.CONSUME(K.allow);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.ruleName) });
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  // ---- topology ----------------------------------------------------------

  public topologyDecl = this.RULE('topologyDecl', () => {
    this.CONSUME(K.topology);
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.topoItem);
      this.OPTION(() => this.CONSUME(T.Semicolon));
    });
    this.CONSUME(T.RBrace);
  });

  public topoItem = this.RULE('topoItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.hostBridge) },
      { ALT: () => this.SUBRULE(this.switchItem) },
      { ALT: () => this.SUBRULE(this.deviceItem) },
    ]);
  });

  public hostBridge = this.RULE('hostBridge', () => {
    this.CONSUME(K.host_bridge);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      this.MANY(() => this.SUBRULE(this.hbProp));
      this.CONSUME(T.RBrace);
    });
  });

  public hbProp = this.RULE('hbProp', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.iommu, { LABEL: 'prop' });
          this.OR2([
            { ALT: () => this.CONSUME(K.translated, { LABEL: 'value' }) },
            { ALT: () => this.CONSUME(K.passthrough, { LABEL: 'value' }) },
            { ALT: () => this.CONSUME(K.off, { LABEL: 'value' }) },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.p2p, { LABEL: 'prop' });
          this.OR3([
            { ALT: () => this.CONSUME(K.allowed, { LABEL: 'value' }) },
            { ALT: () => this.CONSUME(K.denied, { LABEL: 'value' }) },
            { ALT: () => this.CONSUME(K.same_bridge, { LABEL: 'value' }) },
          ]);
        },
      },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  public switchItem = this.RULE('switchItem', () => {
    this.CONSUME(K.switch);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(K.under);
    this.CONSUME2(T.Name, { LABEL: 'parent' });
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      this.MANY(() => this.SUBRULE(this.switchProp));
      this.CONSUME(T.RBrace);
    });
  });

  /** A switch's ports: `acs on` sets ACS redirect (request/completion redirect, egress control) on them. */
  public switchProp = this.RULE('switchProp', () => {
    this.CONSUME(K.acs, { LABEL: 'prop' });
    this.OR([
      { ALT: () => this.CONSUME(K.on, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(K.off, { LABEL: 'value' }) },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  public deviceItem = this.RULE('deviceItem', () => {
    this.CONSUME(K.device);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(K.under);
    this.CONSUME2(T.Name, { LABEL: 'parent' });
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      this.MANY(() => this.SUBRULE(this.devProp));
      this.CONSUME(T.RBrace);
    });
  });

  public devProp = this.RULE('devProp', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.bar, { LABEL: 'prop' });
          this.SUBRULE(this.integer, { LABEL: 'index' });
          this.CONSUME(K.size);
          this.SUBRULE(this.sizeValue, { LABEL: 'size' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.acs, { LABEL: 'prop' });
          this.OR2([
            { ALT: () => this.CONSUME(K.on, { LABEL: 'value' }) },
            { ALT: () => this.CONSUME(K.off, { LABEL: 'value' }) },
          ]);
        },
      },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  public integer = this.RULE('integer', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(T.HexInteger, { LABEL: 'value' }) },
    ]);
  });

  public sizeValue = this.RULE('sizeValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Size, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(T.Integer, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(T.HexInteger, { LABEL: 'value' }) },
    ]);
  });

  // ---- provider ----------------------------------------------------------

  public providerDecl = this.RULE('providerDecl', () => {
    this.CONSUME(K.provider);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Name, { LABEL: 'kind' });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.providerProp));
    this.CONSUME(T.RBrace);
  });

  public providerProp = this.RULE('providerProp', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.device, { LABEL: 'prop' });
          this.CONSUME(T.Name, { LABEL: 'device' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.bar, { LABEL: 'prop' });
          this.SUBRULE(this.integer, { LABEL: 'bar' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.lifetime, { LABEL: 'prop' });
          this.OR2([
            { ALT: () => this.CONSUME(K.devres, { LABEL: 'lifetime' }) },
            { ALT: () => this.CONSUME(K.pgmap, { LABEL: 'lifetime' }) },
            { ALT: () => this.CONSUME(K.manual, { LABEL: 'lifetime' }) },
          ]);
        },
      },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  // ---- opstype -----------------------------------------------------------

  public opstypeDecl = this.RULE('opstypeDecl', () => {
    this.CONSUME(K.opstype);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.opsSlot));
    this.CONSUME(T.RBrace);
  });

  public opsSlot = this.RULE('opsSlot', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.flag);
          this.CONSUME(T.Name, { LABEL: 'flagName' });
        },
      },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(K.required));
          this.CONSUME2(T.Name, { LABEL: 'name' });
          this.CONSUME(T.LParen);
          this.OPTION2(() => this.SUBRULE(this.params));
          this.CONSUME(T.RParen);
          this.OPTION3(() => {
            this.CONSUME(T.Arrow);
            this.SUBRULE(this.type, { LABEL: 'returns' });
          });
        },
      },
    ]);
    this.OPTION4(() => this.CONSUME(T.Semicolon));
  });

  // ---- driver ------------------------------------------------------------

  public driverDecl = this.RULE('driverDecl', () => {
    this.CONSUME(K.driver);
    this.CONSUME(T.Name, { LABEL: 'name' });
    // Without `for`, a component: code bound to no device (LANGUAGE.md §10).
    this.OPTION(() => {
      this.CONSUME(K.for);
      this.CONSUME2(T.Name, { LABEL: 'device' });
    });
    this.CONSUME(T.LBrace);
    // Recovery resumes at the next token that can start an item; `remove` after
    // a `.` is a method call in a skipped body (`bufs.remove(b)`), not a callback.
    this.MANY({ GATE: () => this.LA(0).tokenType !== T.Dot, DEF: () => this.SUBRULE(this.driverItem) });
    this.CONSUME(T.RBrace);
  });

  public driverItem = this.RULE('driverItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.stateBlock) },
      { ALT: () => this.SUBRULE(this.callback) },
      { ALT: () => this.SUBRULE(this.opsTable) },
      { ALT: () => this.SUBRULE(this.actionDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
    ]);
  });

  public stateBlock = this.RULE('stateBlock', () => {
    this.CONSUME(K.state);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.field));
    this.CONSUME(T.RBrace);
  });

  public field = this.RULE('field', () => {
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.type);
    this.OPTION(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE(this.expression, { LABEL: 'init' });
    });
    this.OPTION2(() => this.CONSUME(T.Semicolon));
  });

  public callback = this.RULE('callback', () => {
    this.OR([
      { ALT: () => this.CONSUME(K.probe, { LABEL: 'which' }) },
      { ALT: () => this.CONSUME(K.remove, { LABEL: 'which' }) },
    ]);
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.params));
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block, { LABEL: 'body' });
  });

  public opsTable = this.RULE('opsTable', () => {
    this.CONSUME(K.ops);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Name, { LABEL: 'type' });
    this.CONSUME(T.LBrace);
    // A table missing its `}` ends at the next driver item (see `block`).
    this.MANY({ GATE: () => !this.atDriverItem(), DEF: () => this.SUBRULE(this.opsEntry) });
    this.CONSUME(T.RBrace);
  });

  public opsEntry = this.RULE('opsEntry', () => {
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Assign);
          this.SUBRULE(this.expression, { LABEL: 'value' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.OPTION(() => this.SUBRULE(this.params));
          this.CONSUME(T.RParen);
          this.SUBRULE(this.block, { LABEL: 'body' });
        },
      },
    ]);
    this.OPTION2(() => this.CONSUME(T.Semicolon));
  });

  public actionDecl = this.RULE('actionDecl', () => {
    this.CONSUME(K.action);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.params));
    this.CONSUME(T.RParen);
    this.OPTION2(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.type, { LABEL: 'returns' });
    });
    this.OPTION3(() => this.SUBRULE(this.failsClause, { LABEL: 'fails' }));
    this.SUBRULE(this.block, { LABEL: 'body' });
  });

  /** `fails ENOMEM, EIO`: the fault points of a `fn` or action. */
  public failsClause = this.RULE('failsClause', () => {
    this.CONSUME(K.fails);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Errno, { LABEL: 'errno' }) });
  });

  // ---- fn, parameters, types ----------------------------------------------

  public fnDecl = this.RULE('fnDecl', () => {
    this.CONSUME(K.fn);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.params));
    this.CONSUME(T.RParen);
    this.OPTION2(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.type, { LABEL: 'returns' });
    });
    this.OPTION3(() => this.SUBRULE(this.failsClause, { LABEL: 'fails' }));
    this.SUBRULE(this.block, { LABEL: 'body' });
  });

  public params = this.RULE('params', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.param) });
  });

  public param = this.RULE('param', () => {
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
  });

  public type = this.RULE('type', () => {
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.Lt);
      this.SUBRULE(this.type, { LABEL: 'arg' });
      this.CONSUME(T.Gt);
    });
    this.OPTION2(() => this.CONSUME(T.Question, { LABEL: 'optional' }));
  });

  // ---- statements --------------------------------------------------------

  public block = this.RULE('block', () => {
    this.CONSUME(T.LBrace);
    // A block missing its `}` ends at the next driver item, which can never be
    // a statement: otherwise `action two() { }` after it was read as the
    // statements `action` and `two()` and reported as unknown names.
    this.MANY({ GATE: () => !this.atDriverItem(), DEF: () => this.SUBRULE(this.statement) });
    this.CONSUME(T.RBrace);
  });

  /** `action NAME`, `ops NAME` or `state {` on one line: the start of a driver item. */
  private atDriverItem(): boolean {
    const t = this.LA(1).tokenType;
    const next = this.LA(2);
    if (next.startLine !== this.LA(1).endLine) return false;
    if (t === K.action || t === K.ops || t === K.fn) return tokenMatcher(next, T.Name);
    return t === K.state && next.tokenType === T.LBrace;
  }

  public statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.lockStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.SUBRULE(this.failStmt) },
      { ALT: () => this.SUBRULE(this.assertStmt) },
      { ALT: () => this.SUBRULE(this.chooseStmt) },
      { ALT: () => this.SUBRULE(this.exprStmt) },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  public letStmt = this.RULE('letStmt', () => {
    this.CONSUME(K.let);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  public ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(K.if);
    this.SUBRULE(this.expression, { LABEL: 'cond' });
    this.SUBRULE(this.block, { LABEL: 'then' });
    this.OPTION(() => {
      this.CONSUME(K.else);
      this.OR([
        { ALT: () => this.SUBRULE2(this.block, { LABEL: 'else' }) },
        { ALT: () => this.SUBRULE(this.ifStmt, { LABEL: 'elseIf' }) },
      ]);
    });
  });

  public forStmt = this.RULE('forStmt', () => {
    this.CONSUME(K.for);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(K.in);
    this.SUBRULE(this.expression, { LABEL: 'iter' });
    this.SUBRULE(this.block, { LABEL: 'body' });
  });

  public lockStmt = this.RULE('lockStmt', () => {
    this.CONSUME(K.lock);
    this.SUBRULE(this.expression, { LABEL: 'mutex' });
    this.SUBRULE(this.block, { LABEL: 'body' });
  });

  public returnStmt = this.RULE('returnStmt', () => {
    this.CONSUME(K.return);
    // `return` takes a value only from its own line: `return` then a call on
    // the next line is two statements, as a reader expects.
    this.OPTION({ GATE: () => this.sameLine(), DEF: () => this.SUBRULE(this.expression, { LABEL: 'value' }) });
  });

  public failStmt = this.RULE('failStmt', () => {
    this.CONSUME(K.fail);
    this.SUBRULE(this.expression, { LABEL: 'errno' });
  });

  public assertStmt = this.RULE('assertStmt', () => {
    this.CONSUME(K.assert);
    this.SUBRULE(this.expression, { LABEL: 'cond' });
    this.OPTION(() => {
      this.CONSUME(T.Comma);
      this.CONSUME(T.StringLiteral, { LABEL: 'message' });
    });
  });

  /** `choose { { … } { … } }` in a body: every branch is explored (v1). */
  public chooseStmt = this.RULE('chooseStmt', () => {
    this.CONSUME(K.choose);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.block, { LABEL: 'branch' }));
    this.CONSUME(T.RBrace);
  });

  /** A call, or an assignment when followed by `=`; the lowering pass checks the target is assignable. */
  public exprStmt = this.RULE('exprStmt', () => {
    this.SUBRULE(this.expression, { LABEL: 'expr' });
    this.OPTION(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE2(this.expression, { LABEL: 'value' });
    });
  });

  // ---- expressions -------------------------------------------------------
  //
  // One flat rule for every binary operator; the lowering pass applies the
  // precedence table. A rule per precedence level would build eight CST nodes
  // for every operand, which dominated parse time.

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.unaryExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.BinaryOperator, { LABEL: 'operator' });
      this.SUBRULE2(this.unaryExpr, { LABEL: 'operand' });
    });
  });

  public unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Bang, { LABEL: 'operator' }) },
            { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operator' }) },
            { ALT: () => this.CONSUME(K.try, { LABEL: 'operator' }) },
          ]);
          this.SUBRULE(this.unaryExpr, { LABEL: 'operand' });
        },
      },
      { ALT: () => this.SUBRULE(this.postfixExpr, { LABEL: 'operand' }) },
    ]);
  });

  public postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.primary);
    // A `(` on the next line starts a new statement, not a call.
    this.MANY({
      GATE: () => this.LA(1).tokenType !== T.LParen || this.sameLine(),
      DEF: () => this.SUBRULE(this.suffix),
    });
  });

  public suffix = this.RULE('suffix', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.CONSUME(T.Word, { LABEL: 'member' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen, { LABEL: 'call' });
          this.OPTION(() => this.SUBRULE(this.args));
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  public args = this.RULE('args', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'arg' }) });
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer, { LABEL: 'int' }) },
      { ALT: () => this.CONSUME(T.HexInteger, { LABEL: 'int' }) },
      { ALT: () => this.CONSUME(T.Size, { LABEL: 'size' }) },
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'string' }) },
      { ALT: () => this.CONSUME(T.Errno, { LABEL: 'errno' }) },
      { ALT: () => this.CONSUME(K.true, { LABEL: 'bool' }) },
      { ALT: () => this.CONSUME(K.false, { LABEL: 'bool' }) },
      { ALT: () => this.CONSUME(K.none, { LABEL: 'none' }) },
      // `new K { … }`; `new` stays a name elsewhere (`new.x`, a field called new).
      { GATE: () => tokenMatcher(this.LA(2), T.Name) && this.LA(3).tokenType === T.LBrace, ALT: () => this.SUBRULE(this.newExpr, { LABEL: 'new' }) },
      { ALT: () => this.CONSUME(T.Name, { LABEL: 'name' }) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression, { LABEL: 'paren' });
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  /** `new K { a: 1, b: x }`: initialisers separated by commas or newlines. */
  public newExpr = this.RULE('newExpr', () => {
    this.CONSUME(K.new);
    this.CONSUME(T.Name, { LABEL: 'type' });
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.CONSUME2(T.Name, { LABEL: 'field' });
      this.CONSUME(T.Colon);
      this.SUBRULE(this.expression, { LABEL: 'value' });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  // ---- constraints -------------------------------------------------------

  public constraintDecl = this.RULE('constraintDecl', () => {
    this.CONSUME(K.constraint);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.rule));
    this.CONSUME(T.RBrace);
  });

  public rule = this.RULE('rule', () => {
    // `lifetime` and `at` are soft keywords, so with the default two-token
    // lookahead a `lifetime` missing its kind matched no alternative and was
    // reported as "expected a constraint rule but found `lifetime`". One token
    // decides, unless the word is an event name (`at(x)`, `at.remove(d)`).
    const keywordForm = () => this.LA(2).tokenType !== T.LParen && this.LA(2).tokenType !== T.Dot;
    this.OR({
      MAX_LOOKAHEAD: 1,
      DEF: [
        { GATE: keywordForm, ALT: () => this.SUBRULE(this.lifetimeRule) },
        { ALT: () => this.SUBRULE(this.neverRule) },
        { ALT: () => this.SUBRULE(this.alwaysRule) },
        { GATE: keywordForm, ALT: () => this.SUBRULE(this.atEndRule) },
        { ALT: () => this.SUBRULE(this.patternRule) },
      ],
    });
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  public lifetimeRule = this.RULE('lifetimeRule', () => {
    this.CONSUME(K.lifetime);
    this.CONSUME(T.Name, { LABEL: 'kind' });
    this.CONSUME(K.within);
    this.CONSUME2(T.Name, { LABEL: 'field' });
  });

  public neverRule = this.RULE('neverRule', () => {
    this.CONSUME(K.never);
    this.SUBRULE(this.pattern, { LABEL: 'pattern' });
    this.OPTION(() => {
      this.CONSUME(K.after);
      this.SUBRULE2(this.pattern, { LABEL: 'after' });
    });
  });

  public alwaysRule = this.RULE('alwaysRule', () => {
    this.CONSUME(K.always);
    this.SUBRULE(this.expression, { LABEL: 'expr' });
  });

  public atEndRule = this.RULE('atEndRule', () => {
    this.CONSUME(K.at);
    this.CONSUME(K.end);
    this.SUBRULE(this.expression, { LABEL: 'expr' });
  });

  public patternRule = this.RULE('patternRule', () => {
    this.SUBRULE(this.pattern, { LABEL: 'left' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.before, { LABEL: 'relation' });
          this.SUBRULE2(this.pattern, { LABEL: 'right' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.requires, { LABEL: 'relation' });
          this.SUBRULE(this.expression, { LABEL: 'cond' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.leads_to, { LABEL: 'relation' });
          this.SUBRULE3(this.pattern, { LABEL: 'right' });
        },
      },
    ]);
  });

  public pattern = this.RULE('pattern', () => {
    this.CONSUME(T.Name, { LABEL: 'event' });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Word, { LABEL: 'event' });
    });
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME3(T.Name, { LABEL: 'arg' }) });
    this.CONSUME(T.RParen);
    // `ok` / `fails` belong to the pattern only on its own line.
    this.OPTION({
      GATE: () => this.sameLine(),
      DEF: () =>
        this.OR([
          { ALT: () => this.CONSUME(K.ok, { LABEL: 'outcome' }) },
          { ALT: () => this.CONSUME(K.fails, { LABEL: 'outcome' }) },
        ]),
    });
  });

  // ---- scenarios ---------------------------------------------------------

  public scenarioDecl = this.RULE('scenarioDecl', () => {
    this.CONSUME(K.scenario);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.scenarioLine));
    this.CONSUME(T.RBrace);
  });

  public scenarioLine = this.RULE('scenarioLine', () => {
    // The verbs are soft keywords, so with the default two-token lookahead a
    // verb missing its operand (`bind` alone) matched no alternative and was
    // reported as "expected a scenario line but found `bind`". One token
    // decides, unless a `.` makes the word a driver name (`bind.go()`).
    const keywordForm = () => this.LA(2).tokenType !== T.Dot;
    this.OR({
      MAX_LOOKAHEAD: 1,
      DEF: [
        {
          GATE: keywordForm,
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(K.bind, { LABEL: 'verb' }) },
              { ALT: () => this.CONSUME(K.unbind, { LABEL: 'verb' }) },
              { ALT: () => this.CONSUME(K.unplug, { LABEL: 'verb' }) },
            ]);
            // The target is on the verb's line: a scenario line ends at its
            // newline, and `unplug` missing its device must not take the next
            // line's `expect` for one. The lowering reports a missing target.
            this.OPTION2({ GATE: () => this.sameLine(), DEF: () => this.CONSUME(T.Name, { LABEL: 'target' }) });
          },
        },
        {
          GATE: keywordForm,
          ALT: () => {
            this.CONSUME(K.faults, { LABEL: 'verb' });
            this.OR3({
              ERR_MSG: '`on` or `off`',
              DEF: [
                { ALT: () => this.CONSUME(K.on, { LABEL: 'value' }) },
                { ALT: () => this.CONSUME(K.off, { LABEL: 'value' }) },
              ],
            });
          },
        },
        { GATE: keywordForm, ALT: () => this.SUBRULE(this.expectLine) },
        {
          ALT: () => {
            this.OR4([
              { ALT: () => this.CONSUME(K.parallel, { LABEL: 'verb' }) },
              { ALT: () => this.CONSUME(K.choose, { LABEL: 'verb' }) },
            ]);
            this.CONSUME(T.LBrace);
            this.MANY2(() => this.SUBRULE(this.branch));
            this.CONSUME(T.RBrace);
          },
        },
        { ALT: () => this.SUBRULE(this.actionLine) },
      ],
    });
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  public expectLine = this.RULE('expectLine', () => {
    this.CONSUME(K.expect);
    this.OR([
      { ALT: () => this.CONSUME(K.ok, { LABEL: 'outcome' }) },
      { ALT: () => this.CONSUME(K.deadlock, { LABEL: 'outcome' }) },
      {
        ALT: () => {
          this.CONSUME(K.violation, { LABEL: 'outcome' });
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.ruleName) });
        },
      },
    ]);
  });

  public ruleName = this.RULE('ruleName', () => {
    this.CONSUME(T.Name, { LABEL: 'part' });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Word, { LABEL: 'part' });
    });
  });

  public branch = this.RULE('branch', () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.scenarioLine));
    this.CONSUME(T.RBrace);
  });

  public actionLine = this.RULE('actionLine', () => {
    this.OPTION(() => {
      this.CONSUME(K.let);
      this.CONSUME(T.Name, { LABEL: 'binds' });
      this.CONSUME(T.Assign);
    });
    this.CONSUME2(T.Name, { LABEL: 'driver' });
    // Without `.action`, a call of something else (`dma_buf_put(b)`): the checker says what would work.
    this.OPTION3(() => {
      this.CONSUME(T.Dot);
      this.CONSUME3(T.Word, { LABEL: 'action' });
    });
    this.CONSUME(T.LParen);
    this.OPTION2(() => this.SUBRULE(this.args));
    this.CONSUME(T.RParen);
  });
}

/** The single parser instance. Not re-entrant: parse one input at a time. */
export const parser = new LifespecParser();

/** Token types a top-level declaration may start with; the driver resumes at them after junk. */
export const declarationStarts: TokenType[] = [K.use, K.kind, K.target, K.allow, K.topology, K.provider, K.opstype, K.driver, K.fn, K.constraint, K.scenario];

export type { LifespecParser, IToken };
